import { ActionError } from "./types.ts";

/** Turns a Node filesystem error into a failure the user can act on; anything else passes through. */
export function explainFsError(error: unknown, display: string): unknown {
  if (!(error instanceof Error && "code" in error)) return error;
  switch (error.code) {
    case "ENOENT":
      return new ActionError("not_found", `${display} does not exist.`);
    case "EEXIST":
      return new ActionError("conflict", `${display} already exists. Use mode "overwrite" to replace it, or "append".`);
    case "EACCES":
    case "EPERM":
      return new ActionError("execution_failed", `This computer's permissions do not let the agent touch ${display}.`);
    case "EISDIR":
      return new ActionError("invalid_parameters", `${display} is a folder, not a file.`);
    case "ENOTDIR":
      return new ActionError("invalid_parameters", `A part of ${display} is a file, not a folder.`);
    case "ELOOP":
      // Sandbox.resolve followed every link already; a link met now was swapped in since, and is never followed.
      return replacedByLink(display);
    case "ENOTEMPTY":
      return new ActionError("conflict", `${display} is a folder that is not empty.`);
    default:
      return error;
  }
}

/** The failure when a path was swapped for a link between the sandbox's check and its use. */
export function replacedByLink(display: string): ActionError {
  return new ActionError("conflict", `${display} was replaced by a link while the agent was opening it, so nothing was done. Try again.`);
}

/** Runs `work`, reporting filesystem errors about `display` in words. */
export async function withFsErrors<T>(display: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw explainFsError(error, display);
  }
}

/** The kind of a directory entry or stat result, as the connector reports it. */
export function kindOf(entry: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): "file" | "directory" | "symlink" | "other" {
  if (entry.isSymbolicLink()) return "symlink";
  if (entry.isDirectory()) return "directory";
  if (entry.isFile()) return "file";
  return "other";
}

/** Text files have no NUL byte in their first few kilobytes; a cheap test that matches what editors do. */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8192).includes(0);
}
