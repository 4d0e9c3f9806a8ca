/**
 * Every timing and size the agent uses, in one place (partysocket's `DEFAULT_OPTIONS` style), so a reader can see
 * the whole policy at once and tests can shorten it. Times are milliseconds unless the name says otherwise.
 */
export const DEFAULT_OPTIONS = {
  /** Reconnect backoff, as partysocket computes it: min × grow^(retry − 1), capped at max. */
  minReconnectionDelay: 1_000,
  maxReconnectionDelay: 60_000,
  reconnectionDelayGrowFactor: 2,
  /** Each reconnect waits up to this fraction of its delay on top, at random, so agents do not return in a herd. */
  reconnectionJitter: 0.3,
  /** A connection must stay up this long before the backoff resets. */
  minUptime: 5_000,
  /** Give up on one connection attempt after this long and try again. */
  connectionTimeout: 10_000,
  /** Waiting for `welcome` after `hello`; no answer in time means a new connection. */
  welcomeTimeout: 15_000,
  /** The heartbeat interval when the relay's `welcome` does not say otherwise. */
  heartbeatMs: 30_000,
  /** No `pong` within this many heartbeat intervals means the link is dead: reconnect. */
  missedHeartbeats: 2,
  /** How long a local command waits for the user to answer its permission prompt. */
  permissionTimeout: 120_000,
  /** On Ctrl-C, how long running commands get to finish before the agent exits anyway. */
  shutdownGrace: 5_000,
  /** RFC 8628: a `slow_down` answer adds this many seconds to the polling interval. */
  pairSlowDownSeconds: 5,
  /** A finished command is remembered this long, so a late redelivery is answered from the store. */
  commandRetention: 8 * 24 * 60 * 60_000,
  /** `filesystem.read` returns at most this many bytes: half the 1 MiB frame limit, leaving room for JSON escaping. */
  maxReadBytes: 512 * 1024,
  /** `filesystem.search` stops after this many entries visited, and skips files larger than this for content. */
  searchMaxVisited: 20_000,
  searchMaxFileBytes: 1024 * 1024,
  /** `shell.run` limits (config.json may change them). */
  shellTimeout: 30_000,
  shellMaxOutputBytes: 64 * 1024,
  /** The local endpoint closes a socket that has not authenticated within this time. */
  localAuthTimeout: 10_000,
  /**
   * `browser.open` waits this long for the system's handler (xdg-open, open) to exit and say whether it opened the
   * page; one still running then is the browser itself, and counts as opened.
   */
  browserHandlerSettle: 5_000,
};

export type AgentOptions = typeof DEFAULT_OPTIONS;
