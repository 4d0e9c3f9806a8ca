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
  readonly details: Record<string, unknown> | undefined;

  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode,
    message: string,
    options: { field?: string; headers?: Record<string, string>; methods?: StepUpMethod[]; details?: Record<string, unknown> } = {},
  ) {
    super(status, { message });
    this.code = code;
    this.field = options.field;
    this.headers = options.headers ?? {};
    this.methods = options.methods;
    this.details = options.details;
  }
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    // (A body that is not JSON is refused as `malformed_json` by jsonBody, before Hono's validator sees it.)
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
  if (apiError.details !== undefined) body.error.details = apiError.details;
  return c.json(body, apiError.status, apiError.headers);
}
