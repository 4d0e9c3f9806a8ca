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
          "object-src": ["none"],
          "base-uri": ["none"],
        },
      },
    }),
  ],
  server: {
    // `npm run dev:web` serves the UI with hot reload while `npm start` runs the API on :8787.
    proxy: { "/api": { target: "http://localhost:8787", ws: true } },
  },
});
