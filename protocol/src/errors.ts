import { z } from "zod";

/** Every error code an API response, an `error` frame or a failed command can carry. */
export const ERROR_CODES = [
  // requests
  "bad_request",
  "malformed_json",
  "validation_failed",
  "unsupported_media_type",
  "not_found",
  "conflict",
  "payload_too_large",
  "internal",
  // accounts
  "unauthenticated",
  "session_expired",
  "invalid_credentials",
  "forbidden_origin",
  "too_many_attempts",
  "step_up_required",
  // pairing (RFC 8628 names)
  "authorization_pending",
  "slow_down",
  "expired_token",
  "access_denied",
  "invalid_code",
  "invalid_install_key",
  // agents and frames
  "agent_token_invalid",
  // The agent's own HTTP calls (GET/DELETE /api/agent/device) with a missing, wrong or revoked token.
  "unauthorized",
  "device_revoked",
  "unknown_frame",
  "unsupported_version",
  "not_ready",
  "rate_limited",
  // commands
  "queue_full",
  "device_offline",
  "unknown_action",
  "invalid_parameters",
  "permission_denied",
  // The user answered "deny" to this very command (not a rule): no notice tells them again.
  "denied_by_user",
  "denied_locally",
  "interrupted",
  "expired",
  "execution_failed",
  "outside_roots",
  "timeout",
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The body of every `/api` error: `{error: {code, message}}`, plus the field at fault when there is one. */
export const ApiErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    field: z.string().optional(),
    /** With `step_up_required`: what the proof can be given with. */
    methods: z.array(z.enum(["password", "totp", "passkey"])).optional(),
    /** More for the client to act on, by error: a statement in a layout Hearth does not know carries `sniff` (a CsvSniff). */
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** A failure as it travels inside frames and command results. */
export const Failure = z.object({ code: ErrorCode, message: z.string() });
export type Failure = z.infer<typeof Failure>;
