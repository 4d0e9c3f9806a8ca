import { zValidator } from "@hono/zod-validator";
import type { z } from "zod";
import { ApiError } from "./errors.ts";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;
// The media types Hono's JSON validator parses (hono/validator); a body of any other type reaches the validator's
// hook unparsed and is answered with 415 there.
const HONO_JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const mediaType = (contentType: string | undefined) => (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

/**
 * Validates a JSON body with its zod schema. A failure becomes a 400 naming the first field at fault,
 * or a 415 when the body was not sent as JSON at all.
 */
export function jsonBody<T extends z.ZodType>(schema: T) {
  const validate = zValidator("json", schema, (result, c) => {
    if (result.success) return;
    if (!JSON_MEDIA_TYPE.test(c.req.header("content-type") ?? "")) {
      throw new ApiError(415, "unsupported_media_type", "Send the body as JSON, with the header Content-Type: application/json.");
    }
    const issue = result.error.issues[0];
    const field = issue?.path.join(".") || undefined;
    const message = issue?.message ?? "The request body is not valid.";
    throw new ApiError(400, "validation_failed", message, field ? { field } : {});
  });
  // A body that does not parse is refused here, with our own code: Hono's validator would throw a bare
  // HTTPException that could only be told apart by its message text. The parse is cached for the validator.
  const parsedFirst: typeof validate = async (c, next) => {
    if (HONO_JSON_MEDIA_TYPE.test(mediaType(c.req.header("content-type")))) {
      await c.req.json().catch(() => {
        throw new ApiError(400, "malformed_json", "The request body is not valid JSON. Send a JSON object with Content-Type: application/json.");
      });
    }
    return validate(c, next);
  };
  return parsedFirst;
}

/** Validates the query string with its zod schema; a failure is a 400 naming the parameter. */
export function queryParams<T extends z.ZodType>(schema: T) {
  return zValidator("query", schema, (result) => {
    if (result.success) return;
    const issue = result.error.issues[0];
    const field = issue?.path.join(".") || undefined;
    throw new ApiError(400, "validation_failed", `Query parameter ${field ?? ""} is not valid: ${issue?.message ?? "unknown problem"}.`, field ? { field } : {});
  });
}
