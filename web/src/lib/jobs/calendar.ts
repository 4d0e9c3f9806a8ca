// The month grid of the interview calendar, in the viewer's local time: weeks start on Monday.

/** A local day as YYYY-MM-DD. */
export function dayKey(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The same local time `days` later (noon-safe across DST when given a noon). */
export function addDays(date: Date, days: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days, 12);
}

/** The weeks (Monday first) that show a month (YYYY-MM), each as 7 day keys, with the neighbours' days filled in. */
export function monthGrid(month: string): string[][] {
  const [year = 1970, m = 1] = month.split("-").map(Number);
  const first = new Date(year, m - 1, 1, 12);
  let day = addDays(first, -((first.getDay() + 6) % 7));
  const weeks: string[][] = [];
  while (weeks.length === 0 || (day.getMonth() === m - 1 && day.getFullYear() === year)) {
    const week: string[] = [];
    for (let i = 0; i < 7; i++) {
      week.push(dayKey(day));
      day = addDays(day, 1);
    }
    weeks.push(week);
  }
  return weeks;
}
