// Settings → Account and "Your data".
export { accountApi } from "./routes.ts";
