/** A parsed Server-Sent Event. */
export type SseEvent = { id: number; event: string; data: Record<string, unknown> };

/** Reads an SSE response event by event, so a test can act while the stream is still open. */
export class SseReader {
  readonly events: SseEvent[] = [];
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffer = "";
  #decoder = new TextDecoder();
  ended = false;

  constructor(response: Response) {
    if (!response.body) throw new Error(`no body (status ${response.status})`);
    this.#reader = response.body.getReader();
  }

  /** Reads until an event named `event` arrives (and returns it), or the stream ends. */
  async until(event: string, timeoutMs = 10_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.event === event);
      if (found) return found;
      if (this.ended) throw new Error(`stream ended without "${event}"; got ${this.events.map((e) => e.event).join(", ")}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${event}" within ${timeoutMs} ms; got ${this.events.map((e) => e.event).join(", ")}`);
      const chunk = await Promise.race([this.#reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), left))]);
      if (!chunk) continue;
      if (chunk.done) {
        this.ended = true;
        continue;
      }
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim()]));
        this.events.push({ id: Number(fields.id), event: String(fields.event), data: JSON.parse(String(fields.data)) });
      }
    }
  }

  /** Reads to the end of the stream. */
  async all(timeoutMs = 10_000): Promise<SseEvent[]> {
    await this.until("\u0000never", timeoutMs).catch((error: unknown) => {
      if (!this.ended) throw error;
    });
    return this.events;
  }

  /** The reply text: the `token` events joined. */
  text(): string {
    return this.events
      .filter((e) => e.event === "token")
      .map((e) => String(e.data.text))
      .join("");
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}
