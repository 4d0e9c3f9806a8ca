import { MCP_TARGET, toBrowser } from "#protocol";
import type { PermissionRequestView } from "#protocol";
import type { PermissionPrompt } from "../../core/src/assistant/graph.ts";
import { createChatModel, modelEnv } from "../../core/src/assistant/model.ts";
import type { AssistantCapability } from "../../core/src/assistant/tools.ts";
import type { CommandQueue } from "./command-queue.ts";
import type { PermissionRequestRecord } from "./d1-sync.ts";
import { checkLimits, parseConnectors } from "./devices.ts";
import { frameId } from "./frames.ts";
import type { RelayMemory } from "./memory.ts";
import { evaluate } from "./permission-rules.ts";
import { requestView } from "./requests.ts";
import type { Sockets } from "./sockets.ts";
import type { RelayDb } from "./storage/index.ts";
import { Turns } from "./turns.ts";

// How the assistant's turns reach the rest of the relay: the devices' actions it may use, the permission gate and
// the queue it dispatches through, and the prompts it raises. The turns themselves are ./turns.ts.

/** The relay parts a turn works with. */
export interface AssistantParts {
  readonly env: Env;
  readonly db: D1Database;
  readonly storage: RelayDb;
  readonly memory: RelayMemory;
  readonly sockets: Sockets;
  readonly queue: CommandQueue;
  userId(): string;
  keepAlive(work: Promise<unknown>): void;
}

/** The relay's assistant turns, wired to its queue, sockets and permission gate. */
export function createTurns(parts: AssistantParts): Turns {
  const { db, storage, memory, sockets, queue, userId, keepAlive } = parts;
  return new Turns(storage, memory, {
    db,
    userId,
    model: createChatModel(modelEnv(parts.env)),
    capabilities: () => capabilities(sockets),
    gate: async (command, deviceId) => {
      // What the agent would refuse anyway is refused now, in its words, and never prompted for.
      const refused = checkLimits(await queue.deviceFor(deviceId), command);
      return refused ? { refused } : evaluate(await queue.loadRules(), command, deviceId, Date.now()).effect;
    },
    dispatchForTurn: (deviceId, command, decision) => queue.dispatch({ deviceId, command, ...(decision ? { decision } : {}) }),
    deviceOnline: (deviceId) => sockets.isOnline(deviceId),
    watchCommand: (commandId, onChange) => queue.watchCommand(commandId, onChange),
    askForTurn: (prompt) => askForTurn(queue, prompt),
    keepAlive,
    withdrawPrompt: (requestId) => {
      const request = queue.requests.get(requestId);
      if (request?.status === "pending") queue.putRequest({ ...request, status: "expired", decidedAt: Date.now() }, null);
      queue.flushSoon();
    },
    announce: (turn, state) => sockets.toBrowsers(toBrowser("turn", frameId(), { chat_id: turn.chatId, thread_id: turn.threadId, message_id: turn.id, state })),
  });
}

/** Every action of the user's devices the assistant may use, online devices first (the graph picks the first that offers one). */
async function capabilities(sockets: Sockets): Promise<AssistantCapability[]> {
  const found: AssistantCapability[] = [];
  for (const device of await sockets.loadDevices()) {
    if (device.revokedAt !== null) continue;
    for (const connector of parseConnectors(device.connectors)) {
      // MCP servers are managed by the user on the device page and the computer, never by a turn: the parser and the
      // model do not offer `mcp.*` (core/src/assistant/mcp-tools.ts), and a turn does not even see it.
      if (connector.target === MCP_TARGET) continue;
      for (const action of connector.actions) {
        found.push({
          deviceId: device.id,
          deviceName: device.name,
          target: connector.target,
          action: action.action,
          readOnly: action.read_only,
          parameters: action.parameters,
          description: action.description,
          mcpTool: action.mcp_tool,
        });
      }
    }
  }
  return found.sort((a, b) => Number(sockets.isOnline(b.deviceId)) - Number(sockets.isOnline(a.deviceId)));
}

/** A turn's prompt becomes a one-time permission request, shown in every tab like an agent's. */
function askForTurn(queue: CommandQueue, prompt: PermissionPrompt): PermissionRequestView {
  const record: PermissionRequestRecord = {
    id: crypto.randomUUID(),
    deviceId: prompt.deviceId,
    commandId: null,
    agentRef: null,
    target: prompt.command.target,
    action: prompt.command.action,
    context: `The assistant wants to run ${prompt.summary}.`,
    parameters: prompt.command.parameters,
    oneTime: true,
    status: "pending",
    decision: null,
    createdAt: Date.now(),
    decidedAt: null,
  };
  queue.putRequest(record, { kind: "permission.requested", summary: `The assistant asks to run ${prompt.summary}`, deviceId: prompt.deviceId, commandId: null });
  queue.flushSoon();
  return requestView(record);
}
