// chart.js is the biggest library in the app (about 50 KiB of the dashboard's JS, gzip). Only the dashboard draws
// charts, and a chart is worth waiting for where a sign-in form or a settings page is not: so it is fetched when the
// first chart mounts (a chunk of its own, behind import()), not with the page, and registered once.
import type { Chart } from "chart.js";

let loading: Promise<typeof Chart> | null = null;

/** The Chart class with the bar chart's parts registered; fetched on the first call, shared after it. */
export function loadChart(): Promise<typeof Chart> {
  loading ??= import("chart.js").then(({ BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip }) => {
    Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
    return Chart;
  });
  // A failed fetch (offline, a deploy replaced the chunk) must not stick: the next chart to mount tries again.
  loading.catch(() => {
    loading = null;
  });
  return loading;
}
