import type { z } from "zod";

/** The first message per field from a zod schema, for inline form errors. Empty when the values are valid. */
export function fieldErrors(schema: z.ZodType, values: unknown): Record<string, string> {
  const result = schema.safeParse(values);
  if (result.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = issue.path.join(".");
    errors[field] ??= issue.message;
  }
  return errors;
}

/** A `next` parameter that is safe to follow: a path on this site, never another origin. */
export function safeNext(next: string | null, fallback = "/chat"): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : fallback;
}
