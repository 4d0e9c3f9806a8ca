import type { PublicUser } from "#protocol";
import type { User } from "../../../core/src/db/schema.ts";

/** A user as the API shows them: never the password hash. */
export function publicUser(user: User): PublicUser {
  return { id: user.id, email: user.email, name: user.name, createdAt: user.createdAt };
}
