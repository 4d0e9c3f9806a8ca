// The agent as this server offers it: the install scripts, the manifest and bundle, and the latest version.
export { installSite } from "./routes.ts";
export { agentManifest, latestAgentVersion } from "./artifacts.ts";
