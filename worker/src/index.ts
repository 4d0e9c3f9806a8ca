import { app } from "./app.ts";

export { UserRelay } from "../../relay/src/index.ts";
export type { AppType } from "./app.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
