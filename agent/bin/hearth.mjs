#!/usr/bin/env node
// The `hearth` command. Node 22 runs the TypeScript sources directly (type stripping), so there is no build step.
import { main } from "../src/cli.ts";

process.exitCode = await main(process.argv.slice(2));
