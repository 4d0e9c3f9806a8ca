/**
 * Moves keyboard focus to the page's main heading (or the main landmark when it has none), as a screen reader
 * user expects after moving to another page: without it, focus falls to the document body and the next Tab
 * starts again at the top of the header. The heading gets tabindex -1 so it can take focus without joining the
 * Tab order.
 */
export function focusMainHeading(): void {
  const main = document.getElementById("main");
  if (!main) return;
  const target = main.querySelector<HTMLElement>("h1") ?? main;
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: true });
}
