// A software passkey authenticator for worker tests: what a browser and a platform authenticator would send to
// the API (attestation "none", ES256), built from WebCrypto, so the server's WebAuthn checks run for real.

const encoder = new TextEncoder();
type Bytes = Uint8Array<ArrayBuffer>;
const utf8 = (text: string): Bytes => Uint8Array.from(encoder.encode(text));

export function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function concat(...parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// Just enough CBOR for an attestation object and a COSE key: ints, byte and text strings, maps.
type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;
function head(major: number, n: number): Bytes {
  if (n < 24) return Uint8Array.of((major << 5) | n);
  if (n < 256) return Uint8Array.of((major << 5) | 24, n);
  return Uint8Array.of((major << 5) | 25, n >> 8, n & 0xff);
}
function cbor(value: Cbor): Bytes {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = utf8(value);
    return concat(head(3, bytes.length), bytes);
  }
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  return concat(head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)]));
}


/** WebCrypto signs ECDSA as r‖s; WebAuthn wants DER. */
function derSignature(raw: Uint8Array): Bytes {
  const int = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i += 1;
    const trimmed = bytes.slice(i);
    const body = (trimmed[0] ?? 0) & 0x80 ? concat(Uint8Array.of(0), trimmed) : trimmed;
    return concat(Uint8Array.of(0x02, body.length), body);
  };
  const seq = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(Uint8Array.of(0x30, seq.length), seq);
}

type Options = { challenge: string; rp?: { id?: string }; rpId?: string; user?: { id: string } };

/** One passkey on a virtual authenticator: `register` answers creation options, `sign` answers request options. */
export class SoftPasskey {
  readonly credentialId = crypto.getRandomValues(new Uint8Array(16));
  private keys: CryptoKeyPair | undefined;
  private userHandle = "";
  private counter = 0;

  readonly origin: string;

  constructor(origin = "http://hearth.test") {
    this.origin = origin;
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  private async authData(rpId: string, flags: number, extra: Bytes = new Uint8Array()): Promise<Bytes> {
    this.counter += 1;
    const rpIdHash = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(rpId)));
    const count = Uint8Array.of(this.counter >>> 24, (this.counter >> 16) & 0xff, (this.counter >> 8) & 0xff, this.counter & 0xff);
    return concat(rpIdHash, Uint8Array.of(flags), count, extra);
  }

  /** The browser's answer to `navigator.credentials.create(options)`. */
  async register(options: Options) {
    const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    if (!("privateKey" in keys)) throw new Error("ECDSA makes a key pair");
    this.keys = keys;
    this.userHandle = options.user?.id ?? "";
    // Uncompressed point: 0x04 ‖ x ‖ y.
    const raw = await crypto.subtle.exportKey("raw", keys.publicKey);
    if (!(raw instanceof ArrayBuffer)) throw new Error("a raw key is bytes");
    const point = new Uint8Array(raw);
    const cose = cbor(new Map<Cbor, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, point.slice(1, 33)], [-3, point.slice(33)]]));
    const credential = concat(new Uint8Array(16), Uint8Array.of(0, this.credentialId.length), this.credentialId, cose);
    const authData = await this.authData(options.rp?.id ?? "", 0x45, credential); // UP, UV, attested data
    const attestationObject = cbor(new Map<Cbor, Cbor>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]]));
    const clientData = utf8(JSON.stringify({ type: "webauthn.create", challenge: options.challenge, origin: this.origin, crossOrigin: false }));
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: { clientDataJSON: b64url(clientData), attestationObject: b64url(attestationObject), transports: ["internal"] },
      clientExtensionResults: {},
    };
  }

  /** The browser's answer to `navigator.credentials.get(options)`. */
  async sign(options: Options) {
    if (!this.keys) throw new Error("register the passkey first");
    const authData = await this.authData(options.rpId ?? "", 0x05); // UP, UV
    const clientData = utf8(JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin: this.origin, crossOrigin: false }));
    const signed = concat(authData, new Uint8Array(await crypto.subtle.digest("SHA-256", clientData)));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, signed));
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: { clientDataJSON: b64url(clientData), authenticatorData: b64url(authData), signature: b64url(derSignature(raw)), userHandle: this.userHandle },
      clientExtensionResults: {},
    };
  }
}
