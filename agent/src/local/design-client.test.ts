import { spawn } from "node:child_process";
import { chmod, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DesignResponse, PROTOCOL_VERSION } from "#protocol";
import type { AgentFrame } from "#protocol";
import { localClient, runningAgent } from "../../test/running-agent.ts";
import { tempDir } from "../../test/temp.ts";

// The original design's own Python client (agent/test/design-client/app/mcp/connector.py, copied exactly as the
// design shows it) against a real `hearth start`, with Debian's python3 and python3-websockets 10.

const PYTHON = "/usr/bin/python3";
const DRIVER = fileURLToPath(new URL("../../test/design-client/drive.py", import.meta.url));
const Step = z.object({ step: z.string(), value: z.unknown() });

const isPermissionRequest = (frame: AgentFrame): frame is Extract<AgentFrame, { type: "permission_request" }> => frame.type === "permission_request";

/** Starts the driver; `steps` collects its JSON lines, `until(step)` waits for one. */
function drive(port: number, tokenPath: string) {
  const child = spawn(PYTHON, [DRIVER, String(port), tokenPath], { stdio: ["ignore", "pipe", "pipe"] });
  const steps = new Map<string, unknown>();
  let stderr = "";
  let buffered = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) {
      const { step, value } = Step.parse(JSON.parse(line));
      steps.set(step, value);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const until = async (step: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!steps.has(step)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "${step}" from the Python client; steps: ${[...steps.keys()].join(", ")}; stderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return steps.get(step);
  };
  return { child, steps, until, exited, stderr: () => stderr };
}

describe("the design's Python MCPConnector", { timeout: 90_000 }, () => {
  it("works unchanged against the agent's local endpoint", async () => {
    // browser.open runs the system's handler; a stand-in xdg-open that succeeds keeps the test off the real desktop.
    const bin = await tempDir();
    await writeFile(join(bin, "xdg-open"), "#!/bin/sh\nexit 0\n");
    await chmod(join(bin, "xdg-open"), 0o755);
    const { relay, port, paths, token } = await runningAgent({ env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` } });
    const python = drive(port, paths.localToken);
    try {
      expect(DesignResponse.parse(await python.until("system.info"))).toMatchObject({ success: true, error: null, data: expect.objectContaining({ agent_version: expect.any(String) }) });
      const list = DesignResponse.parse(await python.until("list"));
      expect(list).toMatchObject({ success: true, data: { path: "~/Documents" } });
      expect(list.executionTime).toBeGreaterThanOrEqual(0);
      expect(await python.until("outside")).toEqual({
        success: false,
        data: null,
        error: "~/.ssh is outside the folders this agent may use (~/Documents). To allow it, add its folder to filesystem.roots in config.json.",
        error_code: "outside_roots",
        executionTime: expect.any(Number),
      });

      // browser.navigate (the design's name for browser.open) needs the user's approval: the agent asks through
      // the server, and the Python client hears it as the design's permission_request frame.
      const asked = await relay.waitFor(isPermissionRequest, 20_000);
      expect(asked).toMatchObject({ target: "browser", action: "open" });
      expect(await python.until("navigate")).toEqual({ type: "permission_request", data: { target: "browser", action: "open", context: expect.stringContaining("https://example.com/"), one_time: true } });
      relay.send({ v: PROTOCOL_VERSION, type: "permission_update", id: "u-1", ref: asked.id, decision: "allow_once" });
      expect(await python.until("navigate.result")).toMatchObject({ success: true, data: { url: "https://example.com/", opened: true } });

      // The design's own event has no currency: refused with the reason, never acked and dropped.
      expect(await python.until("design-activity")).toMatchObject({ success: false, error: expect.stringContaining("currency"), error_code: "validation_failed" });

      // register_listener streams that type's events as they are recorded, in the design's shape.
      await python.until("listening");
      const other = await localClient(port);
      other.send({ v: 1, type: "local_auth", id: "a", token });
      await other.next();
      const spent = { event_id: "card-1", activity_type: "financial", timestamp: "2026-11-25T10:00:00Z", application: "bank", details: { amount: -49.99, currency: "USD", merchant: "Amazon" } };
      other.send({ v: 1, type: "activity", id: "act", events: [{ ...spent, event_id: "job-1", activity_type: "job", details: { company: "Acme" } }, spent] });
      expect(await other.next()).toMatchObject({ type: "ack", ref: "act" });
      expect(await python.until("financial")).toEqual(spent);
      expect(await python.exited).toBe(0);
    } finally {
      python.child.kill();
    }
  });
});
