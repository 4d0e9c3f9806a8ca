import { z } from "zod";

/** Every error code an API response or `error` frame can carry. */
export const ERROR_CODES = [
  "bad_request",
  "malformed_json",
  "validation_failed",
  "unsupported_media_type",
  "unauthenticated",
  "session_expired",
  "invalid_credentials",
  "email_taken",
  "forbidden_origin",
  "not_found",
  "payload_too_large",
  "too_many_attempts",
  "unknown_frame",
  "internal",
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The body of every `/api` error: `{error: {code, message}}`, plus the field at fault when there is one. */
export const ApiErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    field: z.string().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
