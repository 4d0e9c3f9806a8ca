// Set by scripts/build-agent.mjs (esbuild `define`) in the one-file bundle `hearth.cjs`; absent when Node runs the
// TypeScript sources from the repo, where `typeof` keeps the missing name from throwing.
declare const HEARTH_BUNDLE_VERSION: string | undefined;

/** The version baked into the bundle, or null when this is the repo's sources. */
export const BUNDLE_VERSION: string | null = typeof HEARTH_BUNDLE_VERSION === "string" ? HEARTH_BUNDLE_VERSION : null;
