import adapter from "@sveltejs/adapter-static";
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

// The web app is a static SPA: the worker serves web/build and falls back to index.html for deep links.
export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ pages: "build", assets: "build", fallback: "index.html" }),
    }),
  ],
  server: {
    // `npm run dev:web` serves the UI with hot reload while `npm start` runs the API on :8787.
    proxy: { "/api": { target: "http://localhost:8787", ws: true } },
  },
});
