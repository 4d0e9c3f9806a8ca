// Reloads driven by relay frames: an import or the agent's statements folder stores in many small batches, each
// one an `activity_stored` frame. The board then reloads once after the burst (trailing), an answer that arrives
// after a newer one is dropped, and a failed background reload keeps what is shown.

/** Calls `run` once, `wait` ms after the last `trigger()`; `cancel()` stops a pending call (on unmount). */
export function coalesced(run: () => void, wait = 2000): { trigger: () => void; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return {
    trigger() {
      cancel();
      timer = setTimeout(() => {
        timer = null;
        run();
      }, wait);
    },
    cancel,
  };
}

/** Numbers each request; `current(n)` is true only for the latest, so a late answer is not shown over a newer one. */
export function latestOnly(): { next: () => number; current: (n: number) => boolean } {
  let last = 0;
  return { next: () => ++last, current: (n) => n === last };
}

/**
 * The newest page merged into what is shown: rows in it replace their old copies or come first, and the older
 * pages the user loaded ("Load older applications") stay. `complete` is true when the newest page is the whole
 * list (no older page exists), so a row missing from it was deleted.
 */
export function mergeNewest<T extends { id: string }>(shown: readonly T[], newest: readonly T[], complete: boolean): T[] {
  const fresh = new Set(newest.map((row) => row.id));
  if (complete) return [...newest];
  const oldest = newest.at(-1);
  // Rows of the shown list that sit past the newest page are kept; those inside it are replaced by it.
  const cut = oldest ? shown.findIndex((row) => row.id === oldest.id) : -1;
  const older = (cut >= 0 ? shown.slice(cut + 1) : shown).filter((row) => !fresh.has(row.id));
  return [...newest, ...older];
}
