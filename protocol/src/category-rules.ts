// Issue 19: filled in by its owner (see docs/architecture.md).
export {};
