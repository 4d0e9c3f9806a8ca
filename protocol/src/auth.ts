import { z } from "zod";

/** Limits shared by the API and the sign-up form, so both say the same thing. */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export const Email = z
  .string({ error: "Enter your email address." })
  .trim()
  .toLowerCase()
  .max(254, { error: "That email address is too long." })
  .pipe(z.email({ error: "Enter a valid email address, like you@example.com." }));

export const Password = z
  .string({ error: "Enter a password." })
  .min(PASSWORD_MIN_LENGTH, { error: `Use at least ${PASSWORD_MIN_LENGTH} characters for your password.` })
  .max(PASSWORD_MAX_LENGTH, { error: `Use at most ${PASSWORD_MAX_LENGTH} characters for your password.` });

/** client → API: POST /api/auth/register */
export const RegisterRequest = z.object({
  email: Email,
  password: Password,
  name: z.string().trim().max(80, { error: "Use at most 80 characters for your name." }).optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

/** client → API: POST /api/auth/login. The password is not length-checked here, so a wrong one never teaches the rules. */
export const LoginRequest = z.object({
  email: Email,
  password: z.string({ error: "Enter your password." }).min(1, { error: "Enter your password." }).max(PASSWORD_MAX_LENGTH),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/** API → client: the signed-in user. */
export const PublicUser = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  createdAt: z.number(),
});
export type PublicUser = z.infer<typeof PublicUser>;

/** client → API: GET /api/auth/me?passive=1 checks the session without counting as activity. */
export const MeQuery = z.object({ passive: z.literal("1").optional() });

/** API → client: GET /api/auth/me. Times are epoch milliseconds. */
export const MeResponse = z.object({
  user: PublicUser,
  session: z.object({
    idleExpiresAt: z.number(),
    expiresAt: z.number(),
  }),
});
export type MeResponse = z.infer<typeof MeResponse>;
