import { z } from "zod";
import { ImportProfile, StatementImportResult, StatementPreview } from "#protocol";

// The import page's answer schemas, and zod with them, in a chunk of their own: api.ts loads it with the first call,
// so zod is not part of the page's first JS (issue 17). Every answer is still parsed before the page uses it.

export { ImportProfilesFile } from "#protocol/statement-layout.ts";
export { ApiErrorBody } from "#protocol/errors.ts";
export { StatementImportResult, StatementPreview };

export const Profiles = z.object({ profiles: z.array(ImportProfile) });
export const OneProfile = z.object({ profile: ImportProfile });
export const ProfilesImported = z.object({ saved: z.number(), refused: z.array(z.object({ index: z.number(), reason: z.string() })) });
