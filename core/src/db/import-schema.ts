// Issue 19: tables filled in by their owner.
export {};
