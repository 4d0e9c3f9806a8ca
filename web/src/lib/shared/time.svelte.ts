import { createSubscriber } from "svelte/reactivity";

/** How often relative times ("2 minutes ago") are redrawn while something shows them. */
const TICK_MS = 15_000;

/** The current time as a reactive value: reading `clock.now` in markup redraws it every tick, only while shown. */
class Clock {
  #subscribe = createSubscriber((update) => {
    const timer = setInterval(update, TICK_MS);
    return () => clearInterval(timer);
  });

  get now(): number {
    this.#subscribe();
    return Date.now();
  }
}

export const clock = new Clock();
