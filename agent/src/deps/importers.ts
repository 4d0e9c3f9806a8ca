// `#importers` for the agent: the statement importers shared with the cloud (see ./protocol.ts for why a file).
export * from "../../../core/src/importers/index.ts";
