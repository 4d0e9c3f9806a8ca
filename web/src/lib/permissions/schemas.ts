import { z } from "zod";
import { PermissionRequestView, PermissionRule } from "#protocol";

// The permission calls' answer schemas, and zod with them: api.ts loads this with the first call, so the shell
// (whose relay socket asks for pending prompts on every page) does not carry zod in its first JS (issue 17).

export const RuleList = z.object({ permissions: z.array(PermissionRule) });
export const OneRule = z.object({ permission: PermissionRule });
export const Removed = z.object({ ok: z.literal(true) });
export const RequestList = z.object({ requests: z.array(PermissionRequestView) });
export const OneRequest = z.object({ request: PermissionRequestView });
