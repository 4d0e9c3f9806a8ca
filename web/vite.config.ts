import adapter from "@sveltejs/adapter-static";
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

// The web app is a static SPA: the worker serves web/build and falls back to index.html for deep links.
export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ pages: "build", assets: "build", fallback: "index.html" }),
      // Written into index.html as a <meta> policy, with the hash of SvelteKit's inline start-up script: no other
      // inline script runs. Styles may be inline (Svelte sets style attributes; a style cannot run code). The
      // headers a <meta> cannot carry (frame-ancestors) are in static/_headers.
      csp: {
        mode: "hash",
        directives: {
          "default-src": ["self"],
          "script-src": ["self"],
          "style-src": ["self", "unsafe-inline"],
          "img-src": ["self", "data:"],
          // An MCP tool's audio result plays from the base64 it came with (web/src/lib/commands/mcp-result.ts).
          "media-src": ["self", "data:"],
          "object-src": ["none"],
          "base-uri": ["none"],
        },
      },
    }),
  ],
  build: {
    // protocol/ only defines schemas and constants: a module of it none of whose exports a page uses is left out,
    // whole. Without this, each `z.object(…)` counts as a side effect and the barrel (#protocol) brings every
    // schema into the shared chunk; with it, a page that imports PASSWORD_MIN_LENGTH gets the number, not zod.
    rollupOptions: { treeshake: { moduleSideEffects: (id: string) => !id.includes("/protocol/src/") } },
  },
  server: {
    // `npm run dev:web` serves the UI with hot reload while `npm start` runs the API on :8787.
    proxy: { "/api": { target: "http://localhost:8787", ws: true } },
  },
});
