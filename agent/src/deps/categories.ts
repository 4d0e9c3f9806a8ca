// The category rules' text matching for the agent, shared with the cloud's rules (see ./protocol.ts for why a file):
// config.json's `*` rules match the way the server's `wildcard` rules do.
export { wildcardTest } from "../../../core/src/categories/text.ts";
