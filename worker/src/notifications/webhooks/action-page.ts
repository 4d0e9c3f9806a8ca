import type { ActionTokenRefusal, LinkAction } from "./action-links.ts";

// The pages an action link opens, outside the app (no sign-in, no bundle): one self-contained HTML document
// each, with no scripts and no outside assets. The only inline code is the stylesheet below, allowed by its
// hash in the Content-Security-Policy, so the policy can stay `default-src 'none'`.

/** Why a link is refused: the token's own reasons, plus "used" (spent already) and "unknown" (no such link). */
export type ActionPageRefusal = ActionTokenRefusal | "used" | "unknown" | "step_up";

export type ActionPage =
  /** GET: says what the button will do; nothing happens until the POST. */
  | { kind: "confirm"; action: LinkAction; title: string; body?: string; askCode?: boolean; codeError?: string }
  /** POST, spent and done. `detail` says what followed, e.g. "The agent will run the command now." */
  | { kind: "done"; action: LinkAction; title: string; detail?: string }
  | { kind: "refused"; reason: ActionPageRefusal; detail?: string }
  /** Its request was answered already (anywhere): what it came to, and no button. */
  | { kind: "settled"; title: string; outcome: string };

// Keep ACTION_PAGE_STYLE_HASH in step with this text (the test recomputes it).
export const ACTION_PAGE_STYLE =
  "body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#f6f5f2;color:#1d1d1b}" +
  "main{max-width:28rem;margin:12vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}" +
  "h1{font-size:1.35rem;margin:0 0 .75rem}p{margin:.5rem 0}.muted{color:#6b6a66;font-size:.9rem}" +
  "button{font:inherit;margin-top:1rem;padding:.6rem 1.4rem;border:0;border-radius:8px;background:#2f5d50;color:#fff;cursor:pointer}" +
  "button.deny{background:#9b2c2c}" +
  "@media (prefers-color-scheme:dark){body{background:#1b1b1a;color:#eceae4}main{background:#262624}.muted{color:#a3a19b}}";
export const ACTION_PAGE_STYLE_HASH = "sha256-88HtjZssJamRfNeky7G8+L+hOc5Cs2wQUsRXE9+cxBQ=";

/** Headers for every action page: the token is in the URL, so it must not leak through Referer or caches. */
export const ACTION_PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": `default-src 'none'; style-src '${ACTION_PAGE_STYLE_HASH}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  "x-robots-tag": "noindex",
  "x-content-type-options": "nosniff",
} as const;

const CONFIRM: Record<LinkAction, { heading: string; button: string }> = {
  approve: { heading: "Approve this request?", button: "Approve" },
  deny: { heading: "Deny this request?", button: "Deny" },
  retry: { heading: "Run this again?", button: "Retry" },
};
const DONE: Record<LinkAction, string> = { approve: "Approved", deny: "Denied", retry: "Retrying" };
const REFUSED_HEADING = "This link can't be used";
const SETTLED_HEADING = "Already answered";
const REFUSED: Record<ActionPageRefusal, string> = {
  used: "This link was used already. Each link works once; open Hearth to see what happened.",
  expired: "This link has expired. Open Hearth to act on the notification there.",
  tampered: "This link is not valid: it was changed after Hearth sent it. Use the link exactly as it arrived, or open Hearth.",
  malformed: "This link is not valid: it may have been cut short when it was copied. Use the link exactly as it arrived, or open Hearth.",
  unknown: "This link is not valid any more. Open Hearth to act on the notification there.",
  step_up: "Approving this changes things on your computer, so it needs your passkey or password. Open Hearth and approve it there; the link stays unused.",
};

/** The HTML of an action page. Every value is escaped. */
export function actionPage(page: ActionPage): string {
  switch (page.kind) {
    case "confirm": {
      const { heading, button } = CONFIRM[page.action];
      return document(
        heading,
        `<h1>${escapeHtml(heading)}</h1><p><strong>${escapeHtml(page.title)}</strong></p>` +
          (page.body ? `<p>${escapeHtml(page.body)}</p>` : "") +
          `<form method="post">${page.askCode ? codeField(page.codeError) : ""}<button type="submit"${page.action === "deny" ? ' class="deny"' : ""}>${button}</button></form>` +
          `<p class="muted">Nothing happens until you press the button. This link works once.</p>`,
      );
    }
    case "done":
      return document(
        DONE[page.action],
        `<h1>${escapeHtml(DONE[page.action])}</h1><p><strong>${escapeHtml(page.title)}</strong></p>` +
          (page.detail ? `<p>${escapeHtml(page.detail)}</p>` : "") +
          `<p class="muted">You can close this page.</p>`,
      );
    case "settled":
      return document(
        SETTLED_HEADING,
        `<h1>${escapeHtml(SETTLED_HEADING)}</h1><p><strong>${escapeHtml(page.title)}</strong></p><p>${escapeHtml(page.outcome)}</p>` +
          `<p class="muted">There is nothing left to decide here. You can close this page.</p>`,
      );
    case "refused":
      return document(
        REFUSED_HEADING,
        `<h1>${escapeHtml(REFUSED_HEADING)}</h1><p>${escapeHtml(REFUSED[page.reason])}</p>` + (page.detail ? `<p class="muted">${escapeHtml(page.detail)}</p>` : ""),
      );
  }
}

/** The step-up on an approval with effects: a code from the account's authenticator app, typed on the page. */
function codeField(error: string | undefined): string {
  return (
    `<p>This changes things on your computer, so confirm it's you.</p>` +
    `<p><label for="code">Code from your authenticator app</label><br>` +
    `<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="7"${error ? ' aria-invalid="true" aria-describedby="code-error"' : ""}></p>` +
    (error ? `<p id="code-error" role="alert">${escapeHtml(error)}</p>` : "")
  );
}

/** The HTTP status for a page: 200, or 409 (answered already, or used), 410 (expired), 403 (approve in the app) or 400 (not valid). */
export function actionPageStatus(page: ActionPage): 200 | 400 | 403 | 409 | 410 {
  if (page.kind === "settled") return 409;
  if (page.kind !== "refused") return 200;
  return page.reason === "used" ? 409 : page.reason === "expired" ? 410 : page.reason === "step_up" ? 403 : 400;
}

/** The page as a Response, with its status and headers. */
export function actionPageResponse(page: ActionPage): Response {
  return new Response(actionPage(page), { status: actionPageStatus(page), headers: ACTION_PAGE_HEADERS });
}

function document(title: string, main: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="robots" content="noindex"><title>${escapeHtml(title)} · Hearth</title><style>${ACTION_PAGE_STYLE}</style></head>` +
    `<body><main>${main}</main></body></html>`
  );
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
