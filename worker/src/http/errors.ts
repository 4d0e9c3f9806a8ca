import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ApiErrorBody, ErrorCode, StepUpMethod } from "#protocol";

/** The one error type of the API. Throw it anywhere; `renderError` turns it into `{error: {code, message}}`. */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly headers: Record<string, string>;
  readonly methods: StepUpMethod[] | undefined;

  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode,
    message: string,
    options: { field?: string; headers?: Record<string, string>; methods?: StepUpMethod[] } = {},
  ) {
    super(status, { message });
    this.code = code;
    this.field = options.field;
    this.headers = options.headers ?? {};
    this.methods = options.methods;
  }
}

// Hono's JSON validator throws a bare HTTPException with this message when the body does not parse.
const HONO_MALFORMED_JSON = "Malformed JSON in request body";

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400 && err.message === HONO_MALFORMED_JSON) {
      return new ApiError(400, "malformed_json", "The request body is not valid JSON. Send a JSON object with Content-Type: application/json.");
    }
    const status = err.status;
    return new ApiError(status, status >= 500 ? "internal" : "bad_request", err.message || "The request could not be handled.");
  }
  return new ApiError(500, "internal", "Something went wrong on our side. Try again; if it keeps happening, check the worker logs.");
}

/** `app.onError`: every failure leaves as JSON with a code and a message that says what to do. */
export function renderError(err: unknown, c: Context): Response {
  const apiError = toApiError(err);
  if (apiError.status >= 500) console.error("unhandled error", err);
  const body: ApiErrorBody = { error: { code: apiError.code, message: apiError.message } };
  if (apiError.field !== undefined) body.error.field = apiError.field;
  if (apiError.methods !== undefined) body.error.methods = apiError.methods;
  return c.json(body, apiError.status, apiError.headers);
}
