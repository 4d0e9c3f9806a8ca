// `#protocol` for the agent. Node resolves a package import from the NEAREST package.json (agent/package.json) and
// an "imports" target may not leave the package ("../" is refused), so the alias points here and this file reaches
// the shared protocol. scripts/import-graph.mjs sees the edge as agent/ → protocol/.
export * from "../../../protocol/src/index.ts";
