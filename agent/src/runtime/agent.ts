import { randomUUID } from "node:crypto";
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { ConnectorsFrame, FEATURES, HelloFrame, fromAgent } from "#protocol";
import type { ActivityEvent } from "#protocol";
import { hearthCommand } from "../invocation.ts";
import type { AgentOptions } from "../defaults.ts";
import { DEFAULT_OPTIONS } from "../defaults.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { createConnectors } from "../connectors/registry.ts";
import type { ConnectorSet } from "../connectors/registry.ts";
import type { TrashOptions } from "../connectors/trash.ts";
import { describeConnectors } from "../connectors/types.ts";
import type { ResolvedConfig } from "../home/config.ts";
import type { Credentials } from "../home/credentials.ts";
import { ensureLocalToken } from "../home/local-token.ts";
import type { HomePaths } from "../home/paths.ts";
import { clearStatus, writeStatus } from "../home/status-file.ts";
import type { AgentStatus } from "../home/status-file.ts";
import type { OutboundConnectors, OutboundHello } from "../link/frames.ts";
import { RelayLink } from "../link/connection.ts";
import { historyListenerFromConfig } from "../listeners/history.ts";
import { privacyFilter } from "../listeners/privacy.ts";
import { StatementsListener } from "../listeners/statements.ts";
import { LocalEndpoint } from "../local/endpoint.ts";
import type { Logger } from "../log.ts";
import { fitOffers } from "../mcp/offers.ts";
import type { Offers } from "../mcp/offers.ts";
import { startMcpRuntime } from "../mcp/runtime.ts";
import { PermissionStore } from "../permissions/store.ts";
import { CommandStore } from "../store/commands.ts";
import { openStateDb } from "../store/db.ts";
import { ImportProfiles } from "../store/import-profiles.ts";
import { Outbox } from "../store/outbox.ts";
import { RefusedActivity } from "../store/refused-activity.ts";
import { DAY_MS, scheduleRetention } from "../store/retention.ts";
import { PLATFORM, VERSION } from "../version.ts";
import { CommandProcessor } from "./command-processor.ts";
import { Executor } from "./executor.ts";
import { PermissionAsker } from "./permission-asker.ts";

/** How often, at most, a changing outbox size is written to status.json (state changes are written at once). */
const STATUS_EVERY_MS = 1000;
/** How long a burst of MCP changes (a server starting lists its tools, then its resources…) settles before one frame. */
const CONNECTORS_SETTLE_MS = 100;
/** A `connectors` frame the relay refused (it could not store it just now) is sent again after this, doubling to the max. */
const CONNECTORS_RETRY_FIRST_MS = 1_000;
const CONNECTORS_RETRY_MAX_MS = 60_000;

export type AgentSetup = {
  paths: HomePaths;
  credentials: Credentials;
  config: ResolvedConfig;
  log: Logger;
  options?: Partial<AgentOptions>;
  /** HEARTH_DEBUG_ACTION_DELAY_MS. */
  debugActionDelayMs?: number;
  /** HEARTH_DEBUG_IGNORE_ACTIVITY_ACKS: keep acked activity in the outbox (to test a crash before the ack). */
  debugIgnoreActivityAcks?: boolean;
  /** Tests point `~` and the trash at temporary folders. */
  home?: string;
  trash?: TrashOptions;
  /** Tests shorten the MCP servers' restart backoff. */
  mcpBackoff?: { firstMs: number; maxMs: number };
};

/** A running agent. */
export type RunningAgent = {
  link: RelayLink;
  processor: CommandProcessor;
  outbox: Outbox;
  localPort: number | null;
  /** Settles with a message when the server refuses this device for good. */
  fatal: Promise<string>;
  /** Stops the link and the local endpoint, gives running commands `shutdownGrace` to finish, and closes the store. */
  stop: () => Promise<void>;
};

/** Thrown when the local endpoint's port is taken; the message says what to do. */
export class PortInUseError extends Error {}

/**
 * Starts the agent: recovers the command store from any crash first, then opens the local endpoint and the link.
 * Recovery runs before any frame is read, so a command a dead process left running is settled before it can be
 * redelivered.
 */
export async function startAgent(setup: AgentSetup): Promise<RunningAgent> {
  const { paths, credentials, config, log } = setup;
  const options: AgentOptions = { ...DEFAULT_OPTIONS, ...setup.options };
  const db = openStateDb(paths.stateDb);
  const outbox = new Outbox(db);
  const store = new CommandStore(db, outbox);
  const recovered = store.recover();
  for (const id of recovered.interrupted) log.warn("command.interrupted", `Command ${id} was cut off by the last stop; reporting it as interrupted (it will not run again).`, { command_id: id });
  for (const id of recovered.reset) log.info("command.reset", `Read-only command ${id} was cut off by the last stop; it will run again when redelivered.`, { command_id: id });
  // At start and daily: forget what is past privacy.retention_days (and finished commands past their window).
  const retention = scheduleRetention({ db, commands: store, retentionDays: config.privacy.retention_days, commandRetentionMs: options.commandRetention }, log);

  const builtins = createConnectors(config, {
    configPath: paths.config,
    agentVersion: VERSION,
    ...(setup.home ? { home: setup.home } : {}),
    ...(setup.trash ? { trash: setup.trash } : {}),
  });
  // Commands were asked for but cannot be confined here: say so now, not only when a command is refused.
  if (config.shell.allow.length > 0 && builtins.disabled.shell) log.warn("shell.off", builtins.disabled.shell);
  // Read once at start, like the rest of config.json: a changed config takes a restart (but for mcp_servers).
  const limits = await builtins.limits();

  // MCP servers come and go while the agent runs (config.json and the CLI's files are watched): the set below is
  // read afresh by every command and every hello, and a change is told to the relay in a `connectors` frame.
  let mcpChangedSoon = () => {};
  const mcp = startMcpRuntime({
    paths,
    servers: config.mcp_servers,
    sandbox: builtins.sandbox,
    log,
    deviceName: hostname(),
    onChange: () => mcpChangedSoon(),
    ...(setup.mcpBackoff ? { backoff: setup.mcpBackoff } : {}),
  });
  const connectors: ConnectorSet = {
    get connectors() {
      return [...builtins.connectors, ...mcp.connectors()];
    },
    disabled: builtins.disabled,
    limits: builtins.limits,
    explain: mcp.explain,
  };
  // Said once per change of what is left out, not on every check.
  let leftOutBefore = "";
  const offers = (): Offers => {
    const { offers: fitted, leftOut } = fitOffers(builtins.connectors, mcp.connectors(), mcp.servers(), limits);
    const said = leftOut.join(", ");
    if (said !== leftOutBefore && said !== "") log.error("mcp.too_much", `The MCP servers offer more than one frame can carry (1 MiB; at most 50 connectors of 100 actions, 50 servers), so this is not offered to Hearth: ${said}. Remove or disable some servers in config.json.`);
    leftOutBefore = said;
    return fitted;
  };
  // What the relay has taken (the hello it welcomed, or a connectors frame it acked), so an unchanged set is not
  // sent again. A connectors frame counts only once acked: the relay refuses one it could not store ("send them
  // again"), and until it is stored the device row (what dispatch and the chat check) holds the old actions.
  let lastOffered = "";
  // The last connectors frame sent and not yet acked or refused. A later frame replaces it: the relay stores a
  // device's frames in order, so only the latest one's fate matters.
  let inFlight: { id: string; text: string } | null = null;
  const hello = (): OutboundHello => {
    const current = offers();
    const frame = HelloFrame.parse(fromAgent("hello", `hello-${randomUUID()}`, { device_id: credentials.device_id, agent_version: VERSION, platform: PLATFORM, ...current, features: [FEATURES.batch] }));
    lastOffered = JSON.stringify(current);
    inFlight = null;
    return frame;
  };
  hello(); // fail at startup, not on every connect, if a connector describes itself wrongly

  // The link is made last, but the processor and asker need a way to reach it.
  let link: RelayLink | null = null;
  const channel = { ready: () => link?.ready() ?? false, sendText: (text: string) => link?.sendText(text) ?? false, reconnect: () => link?.reconnect() };
  const asker = new PermissionAsker(channel, options.permissionTimeout);
  const executor = new Executor({
    connectors,
    permissions: new PermissionStore(db, setup.home),
    audit: new AuditLog(paths.audit),
    ask: (question, signal) => asker.ask(question, signal),
    limits,
    // Every command a local client ran (an MCP client through `hearth mcp serve`, the extension) reaches the server's audit log.
    onLocalCommand: (entry) => processor.recordAudit([entry]),
  });

  const startedAt = Date.now();
  let localPort: number | null = null;
  const status = (state: AgentStatus["state"]): AgentStatus => ({
    pid: process.pid,
    state,
    server: credentials.server,
    outbox: outbox.size(),
    local_port: localPort,
    started_at: startedAt,
    updated_at: Date.now(),
    mcp_servers: mcp.servers(),
  });
  let statusTimer: NodeJS.Timeout | null = null;
  const saveStatus = () => {
    if (statusTimer) clearTimeout(statusTimer);
    statusTimer = null;
    writeStatus(paths.status, status(link?.state ?? "starting"));
  };
  // The outbox changes with every result; `hearth status` needs its size, not a file write per command.
  const saveStatusSoon = () => {
    statusTimer ??= setTimeout(saveStatus, STATUS_EVERY_MS).unref();
  };
  // Only while connected, and only what changed: a (re)connect's hello carries the current set anyway.
  const sendConnectors = () => {
    if (!channel.ready()) return;
    const current = offers();
    const text = JSON.stringify(current);
    if (text === (inFlight?.text ?? lastOffered)) return;
    const frame: OutboundConnectors = ConnectorsFrame.parse(fromAgent("connectors", `connectors-${randomUUID()}`, current));
    if (channel.sendText(JSON.stringify(frame))) inFlight = { id: frame.id, text };
  };
  let connectorsTimer: NodeJS.Timeout | null = null;
  mcpChangedSoon = () => {
    connectorsTimer ??= setTimeout(() => {
      connectorsTimer = null;
      saveStatus();
      sendConnectors();
    }, CONNECTORS_SETTLE_MS).unref();
  };
  let retryDelay = CONNECTORS_RETRY_FIRST_MS;
  let retryTimer: NodeJS.Timeout | null = null;
  const connectorsAcked = (ref: string) => {
    if (inFlight?.id !== ref) return;
    lastOffered = inFlight.text;
    inFlight = null;
    retryDelay = CONNECTORS_RETRY_FIRST_MS;
  };
  const connectorsRefused = (ref: string, message: string) => {
    if (inFlight?.id !== ref) return;
    inFlight = null;
    log.warn("connectors.refused", `The server did not take the new list of connectors ("${message}"); sending it again in ${Math.round(retryDelay / 1000)} s.`);
    retryTimer ??= setTimeout(() => {
      retryTimer = null;
      mcpChangedSoon();
    }, retryDelay).unref();
    retryDelay = Math.min(retryDelay * 2, CONNECTORS_RETRY_MAX_MS);
  };
  const processor = new CommandProcessor({
    db,
    store,
    refused: new RefusedActivity(db),
    outbox,
    executor,
    channel,
    log,
    onOutboxChange: saveStatusSoon,
    ...(setup.debugActionDelayMs ? { debugActionDelayMs: setup.debugActionDelayMs } : {}),
  });

  // Privacy: activity from a disabled application never leaves this computer, whichever listener saw it.
  const allowedOnly = privacyFilter(config.privacy.disabled_applications);
  let endpoint: LocalEndpoint | null = null;
  const recordActivity = (events: readonly ActivityEvent[]) => {
    const allowed = allowedOnly(events);
    if (allowed.length === 0) return [];
    const frameIds = processor.recordActivity(allowed);
    // Local clients that registered a listener (the design's register_listener) hear of it once recorded. On the
    // next turn, so a client that sent it gets its own answer first (the design's client reads answers in order).
    setImmediate(() => endpoint?.publishActivity(allowed));
    return frameIds;
  };

  // The user's import profiles, as the relay last sent them (kept in state.db for a start while offline).
  const importProfiles = new ImportProfiles(db);
  const statementsConfig = config.listeners.statements;
  const statements = statementsConfig.enabled
    ? new StatementsListener({
        folder: expandHome(statementsConfig.folder, setup.home ?? homedir()),
        rules: statementsConfig.rules,
        mappings: statementsConfig.csv_mappings,
        profiles: () => importProfiles.current(),
        ...(statementsConfig.default_currency ? { defaultCurrency: statementsConfig.default_currency } : {}),
        db,
        log,
        record: (events) => void recordActivity(events),
      })
    : null;
  const history = historyListenerFromConfig(config.listeners.history, {
    home: setup.home ?? homedir(),
    lookbackMs: config.privacy.retention_days * DAY_MS,
    db,
    log,
    record: (events) => void recordActivity(events),
  });

  if (config.local_endpoint.enabled) {
    endpoint = new LocalEndpoint({
      port: config.local_endpoint.port,
      token: ensureLocalToken(paths.localToken),
      tokenPath: paths.localToken,
      executor,
      recordActivity,
      describe: () => ({ device_id: credentials.device_id, connected: channel.ready(), connectors: describeConnectors(connectors.connectors), agent_version: VERSION }),
      log,
    });
    try {
      localPort = await endpoint.listen();
    } catch (error) {
      retention.stop();
      await mcp.stop();
      db.close();
      if (error instanceof Error && "code" in error && error.code === "EADDRINUSE") {
        throw new PortInUseError(
          `Port ${config.local_endpoint.port} on 127.0.0.1 is taken: is another \`${hearthCommand()} start\` running? Stop it, or set local_endpoint.port (or "enabled": false) in ${paths.config}.`,
        );
      }
      throw error;
    }
    log.info("local.listening", `Local endpoint on 127.0.0.1:${localPort} (token in ${paths.localToken}).`, { port: localPort });
  }

  let resolveFatal: (message: string) => void = () => {};
  const fatal = new Promise<string>((resolve) => {
    resolveFatal = resolve;
  });
  link = new RelayLink({
    server: credentials.server,
    token: credentials.token,
    hello,
    log,
    options,
    handlers: {
      onWelcome: (_pending, features) => {
        processor.onWelcome(features.includes(FEATURES.batch));
        // A change between hello and welcome was not sent (not ready then): send it now.
        mcpChangedSoon();
      },
      onCommand: (frame) => processor.onCommand(frame),
      onCommands: (frame) => processor.onCommands(frame),
      onAck: (ref, refused) => {
        // A connectors frame is not in the outbox: its ack only tells that the relay has the list now.
        if (ref.startsWith("connectors-")) return connectorsAcked(ref);
        if (setup.debugIgnoreActivityAcks && ref.startsWith("activity-")) return;
        processor.onAck(ref, refused);
      },
      onPermissionUpdate: (frame) => {
        if (!asker.answer(frame)) log.info("permission.stale", "An answer arrived for a permission request no longer waiting.");
      },
      onImportProfiles: (profiles) => {
        if (!importProfiles.replace(profiles)) return;
        log.info("statements.profiles", `Received ${profiles.length} import profile(s) from the server.`, { profiles: profiles.length });
        // A file left unread for its unknown layout may have a profile now.
        statements?.profilesChanged();
      },
      onRefused: (ref, message) => {
        if (ref.startsWith("connectors-")) connectorsRefused(ref, message);
      },
      onState: saveStatus,
      onFatal: (message) => resolveFatal(message),
    },
  });
  saveStatus();
  link.start();
  statements?.start();
  history?.start();

  let stopped = false;
  return {
    link,
    processor,
    outbox,
    get localPort() {
      return localPort;
    },
    fatal,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      statements?.stop();
      history?.stop();
      retention.stop();
      link?.stop();
      await endpoint?.close();
      if (connectorsTimer) clearTimeout(connectorsTimer);
      if (retryTimer) clearTimeout(retryTimer);
      const grace = new Promise((resolve) => setTimeout(resolve, options.shutdownGrace).unref());
      await Promise.race([processor.idle(), grace]);
      // After the grace: a tool call still running needs its server until then.
      await mcp.stop();
      if (processor.activeCount > 0) log.warn("agent.cut_off", `${processor.activeCount} command(s) were still running; they will be reported as interrupted (or re-run if read-only) next time.`);
      else db.close();
      if (statusTimer) clearTimeout(statusTimer);
      clearStatus(paths.status);
    },
  };
}

/** `~/x` → the home folder's x. */
function expandHome(path: string, home: string): string {
  return path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path;
}
