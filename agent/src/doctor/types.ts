/** One finding of `hearth doctor`: ✓ ok, ! worth knowing (nothing broken), ✗ broken. */
export type CheckStatus = "ok" | "warn" | "fail";

export type Check = {
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found, in one line. */
  detail: string;
  /** For warn and fail: what to do, in one line. */
  fix?: string;
};

/** A check result built from its parts (the fix only when given). */
export function check(id: string, title: string, status: CheckStatus, detail: string, fix?: string): Check {
  return fix === undefined ? { id, title, status, detail } : { id, title, status, detail, fix };
}
