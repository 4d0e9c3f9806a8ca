// A local copy of the version order until protocol/src/agent-release.ts (compareVersions) is merged; then this
// file goes and the doctor imports that one.

const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Semver order of two x.y.z[-prerelease] versions: -1, 0 or 1. An unreadable version sorts first. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const left = VERSION.exec(a);
  const right = VERSION.exec(b);
  if (!left || !right) return left ? 1 : right ? -1 : 0;
  for (const index of [1, 2, 3]) {
    const diff = Number(left[index]) - Number(right[index]);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  const [preA, preB] = [left[4], right[4]];
  // A release is newer than its prereleases (1.0.0 > 1.0.0-rc.1).
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1;
  const partsA = preA.split(".");
  const partsB = preB.split(".");
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i++) {
    const [x, y] = [partsA[i], partsB[i]];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const [nx, ny] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (nx && ny && Number(x) !== Number(y)) return Number(x) < Number(y) ? -1 : 1;
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
