// The platform floor for the Hearth benchmarks: the same hops as a Hearth command, with none of its logic.
//
//   GET  /health             → "ok"
//   GET  /ws?room=R          → a WebSocket to Durable Object R (hibernation API, like Hearth's relay)
//   POST /echo?room=R        → the DO sends the body over R's socket as {type:"echo", id, body}; the client
//                              answers {type:"echo", id, body}; that answer is the HTTP response
//   POST /store?room=R       → the DO appends the body to its SQLite and answers: a durable write, nothing else
//   ws {type:"drain", n, durable} → the DO sends n frames {type:"command", id, seq}; the client answers each with
//                              {type:"ack"} and {type:"result", id}; the DO answers each result with {type:"ack", ref}.
//                              With `durable`, the DO also writes one SQLite row per state change (sent, ack, result).
//   ws {type:"drain", n, durable, batch: B} → the same in batch frames: {type:"commands", commands:[{id, seq}…]} of up
//                              to B; the client answers each with {type:"acks", through_seq} and {type:"results", id,
//                              results:[…]}; the DO answers each results frame with one {type:"ack", ref}. With
//                              `durable`, one SQLite write per batch per state change (sent, acks, results).
//
// No auth, no D1, no validation: this is what the runtime and `wrangler dev` cost on their own.
import { DurableObject } from "cloudflare:workers";

type Env = { FLOOR: DurableObjectNamespace<Floor> };

export class Floor extends DurableObject<Env> {
  pending = new Map<string, (text: string) => void>();
  counter = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)");
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/ws") {
      const pair = new WebSocketPair();
      this.ctx.acceptWebSocket(pair[1]);
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
    if (url.pathname === "/echo") {
      const socket = this.ctx.getWebSockets()[0];
      if (!socket) return new Response("no client connected", { status: 503 });
      const id = String(++this.counter);
      const body = await request.text();
      const reply = new Promise<string>((resolve) => this.pending.set(id, resolve));
      socket.send(JSON.stringify({ type: "echo", id, body }));
      return new Response(await reply, { headers: { "content-type": "application/json" } });
    }
    if (url.pathname === "/store") {
      const body = await request.text();
      const row = this.ctx.storage.sql.exec<{ id: number }>("INSERT INTO rows (body) VALUES (?) RETURNING id", body).one();
      return Response.json({ id: row.id }, { status: 202 });
    }
    return new Response("not found", { status: 404 });
  }

  override webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    const frame = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
    if (frame.type === "echo") {
      const resolve = this.pending.get(frame.id);
      this.pending.delete(frame.id);
      resolve?.(JSON.stringify(frame));
    } else if (frame.type === "drain") {
      // `durable`: one SQLite write per state change (sent, acked, done), as a durable queue must do at least.
      const durable = frame.durable === true;
      socket.serializeAttachment({ durable });
      const batch = typeof frame.batch === "number" && frame.batch > 1 ? frame.batch : 0;
      for (let first = 1; batch > 0 && first <= frame.n; first += batch) {
        const commands = [];
        for (let seq = first; seq < first + batch && seq <= frame.n; seq++) commands.push({ id: `c${seq}`, seq });
        if (durable) this.ctx.storage.sql.exec("INSERT INTO rows (body) VALUES (?)", `sent c${first}..`);
        socket.send(JSON.stringify({ type: "commands", commands }));
      }
      for (let seq = 1; batch === 0 && seq <= frame.n; seq++) {
        if (durable) this.ctx.storage.sql.exec("INSERT INTO rows (body) VALUES (?)", `sent c${seq}`);
        socket.send(JSON.stringify({ type: "command", id: `c${seq}`, seq }));
      }
    } else if (frame.type === "acks" || frame.type === "results") {
      if ((socket.deserializeAttachment() as { durable?: boolean } | null)?.durable) this.ctx.storage.sql.exec("INSERT INTO rows (body) VALUES (?)", `${frame.type} ${frame.id ?? frame.through_seq}`);
      if (frame.type === "results") socket.send(JSON.stringify({ type: "ack", ref: frame.id }));
    } else if (frame.type === "ack" || frame.type === "result") {
      if ((socket.deserializeAttachment() as { durable?: boolean } | null)?.durable) this.ctx.storage.sql.exec("INSERT INTO rows (body) VALUES (?)", `${frame.type} ${frame.id}`);
      if (frame.type === "result") socket.send(JSON.stringify({ type: "ack", ref: frame.id }));
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    const room = url.searchParams.get("room") ?? "floor";
    return env.FLOOR.get(env.FLOOR.idFromName(room)).fetch(request);
  },
} satisfies ExportedHandler<Env>;
