/**
 * A span of time as a person says it, to the two largest units that matter: "45 s", "12 min", "3 h 5 min",
 * "2 d 4 h". Used wherever an uptime is shown; "up 0 h" for twelve minutes told nothing.
 * @example formatDuration(720) // "12 min"
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}
