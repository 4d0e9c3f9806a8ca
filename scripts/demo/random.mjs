// A small seeded random source for the demo data, so the same day always gives the same account.
// Each part of the data draws from its own stream: adding a merchant must not reshuffle the job applications.

/**
 * @typedef {object} Random
 * @property {() => number} next                      a number in [0, 1)
 * @property {(probability: number) => boolean} chance true with the given probability
 * @property {(min: number, max: number) => number} int an integer in [min, max]
 * @property {(min: number, max: number) => number} cents a dollar amount in [min, max], whole cents
 * @property {<T>(items: readonly T[]) => T} pick      one of the items
 * @property {(length: number) => string} digits      a string of random digits
 */

/**
 * mulberry32: tiny, fast and good enough for made-up receipts; not for anything secret.
 * @param {number} seed
 * @returns {Random}
 */
export function seededRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (/** @type {number} */ min, /** @type {number} */ max) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    chance: (probability) => next() < probability,
    int,
    cents: (min, max) => int(Math.round(min * 100), Math.round(max * 100)) / 100,
    pick: (items) => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error("pick() needs at least one item");
      return item;
    },
    digits: (length) => Array.from({ length }, () => String(int(0, 9))).join(""),
  };
}
