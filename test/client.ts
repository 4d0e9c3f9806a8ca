import { exports } from "cloudflare:workers";

/** The app's own origin in tests: requests from it pass the CSRF guard. */
export const ORIGIN = "http://hearth.test";

let counter = 0;
/** A fresh email per call, so tests in one file never collide. */
export function uniqueEmail(tag = "user"): string {
  counter += 1;
  return `${tag}-${counter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

export const PASSWORD = "correct horse battery";

/** A browser-like client: same-origin requests through the real worker, with a cookie jar of one. */
export class TestClient {
  cookie: string | undefined;

  async request(method: string, path: string, init: { json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {}) {
    const headers = new Headers({ origin: ORIGIN, ...init.headers });
    if (this.cookie) headers.set("cookie", this.cookie);
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers.set("content-type", "application/json");
    }
    const response = await exports.default.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body }));
    const setCookie = response.headers.get("set-cookie");
    if (setCookie) {
      const [pair] = setCookie.split(";");
      const value = pair?.split("=").slice(1).join("=");
      this.cookie = value ? pair : undefined;
    }
    return response;
  }

  async register(email = uniqueEmail(), password = PASSWORD) {
    const response = await this.request("POST", "/api/auth/register", { json: { email, password } });
    if (response.status !== 201) throw new Error(`register failed: ${response.status} ${await response.text()}`);
    return { email, password };
  }

  /** The session token from the cookie jar. */
  get token(): string {
    const value = this.cookie?.split("=").slice(1).join("=");
    if (!value) throw new Error("no session cookie");
    return value;
  }
}

export async function errorOf(response: Response): Promise<{ code: string; message: string; field?: string }> {
  const body: { error: { code: string; message: string; field?: string } } = await response.json();
  return body.error;
}
