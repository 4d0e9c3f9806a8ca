import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

// What the screens spec checks on each page: the page fits the width, no two controls sit on each other, and axe
// finds nothing serious. Each check returns readable findings instead of throwing, so one run lists every page's.

/** Horizontal overflow: the document (or main, where the page scrolls) is wider than the window: content is cut off. */
export async function overflowOf(page: Page): Promise<string | null> {
  const { scrollWidth, innerWidth, culprits } = await page.evaluate(() => {
    // The deepest elements whose content is wider than they are, to say where the overflow starts.
    const wide = [...document.querySelectorAll("body *")].filter((el) => getComputedStyle(el).overflowX === "visible" && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0);
    const deepest = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${[...el.classList].filter((c) => !c.startsWith("svelte-")).map((c) => `.${c}`).join("")}`;
    // On a phone the page scrolls inside <main>, which must not be wider than the window either.
    const main = document.getElementById("main");
    return {
      scrollWidth: Math.max(document.documentElement.scrollWidth, main ? main.scrollWidth + main.getBoundingClientRect().left : 0),
      innerWidth: window.innerWidth,
      culprits: deepest.slice(0, 5).map((el) => `${name(el)} (${el.clientWidth} px holds ${el.scrollWidth} px)`),
    };
  });
  return scrollWidth > innerWidth ? `the page is ${scrollWidth} px wide in a ${innerWidth} px window; it starts in ${culprits.join(", ") || "?"}` : null;
}

/**
 * Pairs of visible buttons, links and form fields whose boxes intersect. Boxes are clipped by the scrolling areas
 * around them (a message scrolled out of its list is not on screen), and an element pinned to the screen (fixed or
 * sticky, like the phone's bottom menu) is compared only with elements pinned with it, since content scrolls
 * under it by design.
 */
export async function overlapsOf(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type Box = { el: Element; name: string; layer: Element | null; left: number; top: number; right: number; bottom: number };
    const describe = (el: Element) => {
      const text = (el.getAttribute("aria-label") ?? el.textContent ?? el.getAttribute("placeholder") ?? el.getAttribute("name") ?? "").trim().replace(/\s+/g, " ").slice(0, 40);
      return `<${el.tagName.toLowerCase()}> "${text}"`;
    };
    const boxes: Box[] = [];
    for (const el of document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary")) {
      const style = getComputedStyle(el);
      if (style.visibility === "hidden" || el.closest("[inert], [aria-hidden=true]")) continue;
      const rect = el.getBoundingClientRect();
      let { left, top, right, bottom } = rect;
      let layer: Element | null = null;
      for (let up = el.parentElement; up; up = up.parentElement) {
        const css = getComputedStyle(up);
        if (!layer && (css.position === "fixed" || css.position === "sticky")) layer = up;
        if (css.overflowX !== "visible" || css.overflowY !== "visible") {
          const clip = up.getBoundingClientRect();
          left = Math.max(left, clip.left);
          top = Math.max(top, clip.top);
          right = Math.min(right, clip.right);
          bottom = Math.min(bottom, clip.bottom);
        }
      }
      if (right - left < 2 || bottom - top < 2) continue;
      boxes.push({ el, name: describe(el), layer, left, top, right, bottom });
    }
    const found: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        if (!a || !b || a.layer !== b.layer || a.el.contains(b.el) || b.el.contains(a.el)) continue;
        // A field and its own control side by side in one wrapper overlap by design: the password field's Show
        // button inside its box, the two handles of one range slider.
        if (a.el.parentElement === b.el.parentElement && (a.el.tagName === "INPUT" || b.el.tagName === "INPUT")) continue;
        const width = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const height = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (width > 1 && height > 1) found.push(`${a.name} overlaps ${b.name} (${Math.round(width)}×${Math.round(height)} px)`);
      }
    }
    return found;
  });
}

/** axe's serious and critical findings against WCAG 2.2 A and AA, one line per rule and element. */
export async function axeFindings(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) => v.nodes.map((node) => `${v.id} (${v.impact}): ${node.target.join(" ")} — ${node.failureSummary?.split("\n").slice(1).join(" ").trim() ?? v.help}`));
}

/**
 * A screenshot of the whole page. Where the page scrolls inside <main> (on a phone), the window is made as tall as
 * the page for the picture, then given back its size.
 */
export async function screenshotWhole(page: Page, path: string): Promise<void> {
  const viewport = page.viewportSize();
  const extra = await page.evaluate(() => {
    const main = document.getElementById("main");
    return main ? Math.max(0, main.scrollHeight - main.clientHeight) : 0;
  });
  if (viewport && extra > 0) await page.setViewportSize({ width: viewport.width, height: viewport.height + extra });
  await page.screenshot({ path, fullPage: true });
  if (viewport && extra > 0) await page.setViewportSize(viewport);
}
