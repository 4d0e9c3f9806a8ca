import type { Failure, Json } from "#protocol";
import type { Connector } from "../src/connectors/types.ts";
import { toFailure } from "../src/connectors/types.ts";

/** Validates and runs one action the way the executor does (without permissions): its data, or its failure. */
export async function runAction(connector: Connector, action: string, parameters: Record<string, Json>): Promise<{ ok: true; data: unknown } | { ok: false; error: Failure }> {
  const found = connector.actions[action];
  if (!found) throw new Error(`no action ${action}`);
  const prepared = await found.prepare(parameters);
  if (!prepared.ok) return prepared;
  try {
    return { ok: true, data: await prepared.run() };
  } catch (error) {
    return { ok: false, error: toFailure(error) };
  }
}

/** The data of a successful action, or a thrown error naming the failure. */
export async function expectData(connector: Connector, action: string, parameters: Record<string, Json>): Promise<unknown> {
  const result = await runAction(connector, action, parameters);
  if (!result.ok) throw new Error(`${action} failed: ${result.error.code}: ${result.error.message}`);
  return result.data;
}

/** The failure code of an action that must fail. */
export async function expectFailure(connector: Connector, action: string, parameters: Record<string, Json>): Promise<Failure> {
  const result = await runAction(connector, action, parameters);
  if (result.ok) throw new Error(`${action} was expected to fail, got ${JSON.stringify(result.data)}`);
  return result.error;
}
