import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { SaveImportProfile } from "#protocol";
import type { ImportProfilesFile } from "#protocol";
import { requireUser } from "../auth/session.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody } from "../http/validate.ts";
import { relayFor } from "../relay/stub.ts";
import { TooManyProfiles, deleteProfile, listProfiles, saveProfile } from "../../../core/src/activities/import-profiles.ts";

// Import profiles (issue 19): the CSV layouts a user confirmed in the column picker, saved by name, listed and
// deleted in the import page, and exported or imported as one JSON file. Every change is told to the user's relay,
// which sends the agents the new set (the `import_profiles` frame), so the statements folder reads with them too.

/** The download's file name. */
const EXPORT_NAME = "hearth-import-profiles.json";

/**
 * An import file's envelope: each profile is checked on its own below, so one bad entry is refused with its index
 * and reason while the rest are saved.
 */
const ProfilesFileBody = z.object({
  hearth_import_profiles: z.literal(1, { error: "This is not a Hearth import profiles file (hearth_import_profiles must be 1)." }),
  profiles: z.array(z.unknown()).max(200, { error: "A profiles file holds at most 200 profiles." }),
});

/** The first problem of a refused entry, naming its field. */
function reasonOf(error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue?.path.join(".");
  return `${field ? `${field}: ` : ""}${issue?.message ?? "not a profile"}`;
}

/** Tells the relay (after the answer) that the profiles changed, so connected agents get the new set. */
function profilesChanged(c: Context<AppEnv>, userId: string): void {
  c.executionCtx.waitUntil(relayFor(c.env, userId).importProfilesChanged().catch((error: unknown) => console.error("import profiles: telling the relay failed", error)));
}

export const routes = new Hono<AppEnv>()
  .use(requireUser)

  .get("/", async (c) => {
    const profiles = await listProfiles(c.env.DB, c.get("auth").user.id);
    return c.json({ profiles }, 200);
  })

  // Saves by name: a profile with the same name is replaced.
  .put("/", jsonBody(SaveImportProfile), async (c) => {
    const userId = c.get("auth").user.id;
    try {
      const profile = await saveProfile(c.env.DB, userId, c.req.valid("json"));
      profilesChanged(c, userId);
      return c.json({ profile }, 200);
    } catch (error) {
      if (error instanceof TooManyProfiles) throw new ApiError(409, "conflict", error.message, { field: "name" });
      throw error;
    }
  })

  .get("/export", async (c) => {
    const profiles = await listProfiles(c.env.DB, c.get("auth").user.id);
    const file: ImportProfilesFile = {
      hearth_import_profiles: 1,
      profiles: profiles.map(({ name, account, layout, header_cells }) => ({ name, account, layout, header_cells })),
    };
    return c.body(`${JSON.stringify(file, null, 2)}\n`, 200, {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="${EXPORT_NAME}"`,
    });
  })

  // Each profile of the file is saved (by name, like PUT) or refused with its index and why.
  .post("/import", jsonBody(ProfilesFileBody), async (c) => {
    const userId = c.get("auth").user.id;
    const entries = c.req.valid("json").profiles;
    const refused: { index: number; reason: string }[] = [];
    const lastOfName = new Map<string, number>();
    const parsed = entries.map((entry, index) => {
      const result = SaveImportProfile.safeParse(entry);
      if (!result.success) refused.push({ index, reason: reasonOf(result.error) });
      else lastOfName.set(result.data.name, index);
      return result.success ? result.data : null;
    });
    let saved = 0;
    for (const [index, profile] of parsed.entries()) {
      if (!profile) continue;
      // Two entries of one name would replace each other: the later one is kept, the earlier one said so.
      if (lastOfName.get(profile.name) !== index) {
        refused.push({ index, reason: `a later profile in the file is also named "${profile.name}"` });
        continue;
      }
      try {
        await saveProfile(c.env.DB, userId, profile);
        saved++;
      } catch (error) {
        if (!(error instanceof TooManyProfiles)) throw error;
        refused.push({ index, reason: error.message });
      }
    }
    if (saved > 0) profilesChanged(c, userId);
    refused.sort((a, b) => a.index - b.index);
    return c.json({ saved, refused }, 200);
  })

  .delete("/:id", async (c) => {
    const userId = c.get("auth").user.id;
    if (!(await deleteProfile(c.env.DB, userId, c.req.param("id")))) throw new ApiError(404, "not_found", "There is no such import profile. It may have been deleted already.");
    profilesChanged(c, userId);
    return c.body(null, 204);
  });
