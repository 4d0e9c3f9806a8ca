// The schemas the shell needs on every page but only when something happens (an error answer, a sign-in), in one
// chunk behind one import(): they bring zod, which the sign-in page must not load before it is used.
export { ApiErrorBody } from "#protocol/errors.ts";
export { LoginResponse } from "#protocol/factors.ts";
