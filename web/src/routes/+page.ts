import { redirect } from "@sveltejs/kit";

// The front door is the chat; the signed-in shell sends a signed-out visitor to sign-in.
export function load(): never {
  redirect(307, "/chat");
}
