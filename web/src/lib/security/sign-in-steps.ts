// What the sign-in page needs once the user acts, and not to draw itself: the form's schema (and zod with it), the
// second step and passkeys. One chunk, loaded at the first submit or passkey click, keeps the page's own JS small.
export { LoginRequest } from "#protocol/auth.ts";
export { factors } from "./api.ts";
export { default as SecondFactorForm } from "./SecondFactorForm.svelte";
