import { appendFileSync } from "node:fs";

/** One line of audit.jsonl. Parameters are left out on purpose: they can hold file contents. */
export type AuditRecord = {
  command_id: string | null;
  /** `relay` (dispatched from the web app), `local` (the local endpoint) or `cli` (a rule change). */
  source: "relay" | "local" | "cli";
  target: string;
  action: string;
  /** For a local command: which local client asked ("claude-desktop (MCP)", "hearth-extension"). */
  client?: string;
  /** What the local permission store said, and on what authority the command ran. */
  decision: string;
  /** The path, URL, program or app the command touched, when it has one. */
  scope?: string | null;
  /** `done`, `failed:<code>`, or what a rule change did. */
  outcome: string;
  duration_ms?: number;
  rule_id?: string;
};

/** Appends decisions and executed commands to audit.jsonl, one JSON object per line. Never given tokens. */
export class AuditLog {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  /** Adds one record, stamped with the time. */
  append(record: AuditRecord): void {
    appendFileSync(this.#path, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`, { mode: 0o600 });
  }
}
