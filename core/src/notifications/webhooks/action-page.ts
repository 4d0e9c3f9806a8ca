import type { ActionTokenRefusal, LinkAction } from "./action-links.ts";

// The pages an action link opens, outside the app (no sign-in, no bundle): one self-contained HTML document
// each, with no outside assets. The only inline code is the stylesheet below and the opener's script, each
// allowed by its hash in the Content-Security-Policy, so the policy can stay `default-src 'none'`.
//
// A link is `/api/actions#<token>`: the token is in the fragment, which no browser sends, so it never reaches a
// request line or a log. The opener page's script reads it and POSTs it in a form body to see the confirmation
// page; that page's button POSTs it again to act.

/**
 * Why a link is refused: the token's own reasons, plus "used" (spent already), "unknown" (no such link) and
 * "outdated" (the old form with the token in the path, no longer honoured since paths are logged), and "step_up"
 * (an approval with effects for an account without an authenticator app: it is made in the app).
 */
export type ActionPageRefusal = ActionTokenRefusal | "used" | "unknown" | "outdated" | "step_up";

export type ActionPage =
  /** Says what the button will do; nothing happens until the button's POST, which carries the token. */
  | { kind: "confirm"; action: LinkAction; title: string; body?: string; token: string; askCode?: boolean; codeError?: string }
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

// Keep ACTION_OPENER_SCRIPT_HASH in step with this text (the test recomputes it). It takes the token out of the
// address bar too, so it stays out of the browser's history.
export const ACTION_OPENER_SCRIPT =
  'const token=location.hash.slice(1);history.replaceState(null,"",location.pathname);' +
  'const form=document.getElementById("open");' +
  'if(token){form.elements.token.value=token;form.submit()}else{document.getElementById("missing").hidden=false}';
export const ACTION_OPENER_SCRIPT_HASH = "sha256-VCeLTvliSNRNOwevTt9Z9II6COCYg01G9OBllCm6KBU=";

/** Headers for every action page: a token must not leak through Referer or caches. */
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
  followed_up: { heading: "Mark this application followed up?", button: "Followed up" },
  snooze: { heading: "Snooze this follow-up for a week?", button: "Snooze a week" },
  mark_ghosted: { heading: "Mark this application ghosted?", button: "Mark ghosted" },
};
const DONE: Record<LinkAction, string> = { approve: "Approved", deny: "Denied", retry: "Retrying", followed_up: "Followed up", snooze: "Snoozed", mark_ghosted: "Marked ghosted" };
const REFUSED_HEADING = "This link can't be used";
const SETTLED_HEADING = "Already answered";
const REFUSED: Record<ActionPageRefusal, string> = {
  used: "This link was used already. Each link works once; open Hearth to see what happened.",
  expired: "This link has expired. Open Hearth to act on the notification there.",
  tampered: "This link is not valid: it was changed after Hearth sent it. Use the link exactly as it arrived, or open Hearth.",
  malformed: "This link is not valid: it may have been cut short when it was copied. Use the link exactly as it arrived, or open Hearth.",
  unknown: "This link is not valid any more. Open Hearth to act on the notification there.",
  outdated: "This link is from an older Hearth and no longer works. Open Hearth to act on the notification there.",
  step_up: "Approving this changes things on your computer, so it needs your passkey or password. Open Hearth and approve it there; the link stays unused.",
};

/**
 * The page a link opens (GET /api/actions#<token>). Its script sends the token on; the server never sees it in a URL.
 * It may post the form itself: its policy allows the script by hash, and "same-origin" lets the POST carry our Origin.
 */
export function actionOpenerResponse(): Response {
  const html = document(
    "Opening your link",
    `<h1>Opening your link…</h1><form id="open" method="post" action="/api/actions/view"><input type="hidden" name="token"></form>` +
      `<noscript><p>This page needs JavaScript to read the link. Turn it on, or open Hearth and act on the notification there.</p></noscript>` +
      `<p id="missing" hidden>This link is not complete: it may have been cut short when it was copied. Use the link exactly as it arrived, or open Hearth.</p>` +
      `<script>${ACTION_OPENER_SCRIPT}</script>`,
  );
  return new Response(html, { status: 200, headers: ACTION_FORM_HEADERS });
}

/** The HTML of an action page. Every value is escaped. */
export function actionPage(page: ActionPage): string {
  switch (page.kind) {
    case "confirm": {
      const { heading, button } = CONFIRM[page.action];
      return document(
        heading,
        `<h1>${escapeHtml(heading)}</h1><p><strong>${escapeHtml(page.title)}</strong></p>` +
          (page.body ? `<p>${escapeHtml(page.body)}</p>` : "") +
          `<form method="post" action="/api/actions/confirm"><input type="hidden" name="token" value="${escapeHtml(page.token)}">` +
          `${page.askCode ? codeField(page.codeError) : ""}<button type="submit"${page.action === "deny" ? ' class="deny"' : ""}>${button}</button></form>` +
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

/**
 * The headers of a page with a form that posts back (the opener, the confirmation). Under "no-referrer" a browser
 * sends that POST with `Origin: null`, which the same-origin write guard (http/origin.ts) refuses; "same-origin"
 * makes it send our origin. No token is in these pages' URLs, so nothing can leak through Referer.
 */
export const ACTION_FORM_HEADERS = {
  ...ACTION_PAGE_HEADERS,
  "content-security-policy": `default-src 'none'; style-src '${ACTION_PAGE_STYLE_HASH}'; script-src '${ACTION_OPENER_SCRIPT_HASH}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  "referrer-policy": "same-origin",
};

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
