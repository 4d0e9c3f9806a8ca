import { ChatOpenAI } from "@langchain/openai";
import { z } from "zod";

// The optional LLM behind the assistant, on whatever OpenAI-compatible endpoint you run (OpenAI, a local llama.cpp/Ollama
// server, a gateway). Without one the assistant still works from its deterministic parser.

/** The settings the model is read from (worker vars or secrets); all optional. */
export type ModelEnv = { OPENAI_BASE_URL?: string; OPENAI_API_KEY?: string; HEARTH_MODEL?: string; HEARTH_MODEL_TIMEOUT_SECONDS?: string };

const ModelVars = z.object({
  OPENAI_BASE_URL: z.string().optional(),
  OPENAI_API_KEY: z.string().optional(),
  HEARTH_MODEL: z.string().optional(),
  HEARTH_MODEL_TIMEOUT_SECONDS: z.string().optional(),
});

/** The model settings from the worker's env (vars, secrets or .dev.vars); anything else there is ignored. */
export function modelEnv(env: unknown): ModelEnv {
  const parsed = ModelVars.safeParse(env);
  return parsed.success ? parsed.data : {};
}

/** Client defaults in one place. Retries are few so a failing endpoint cannot multiply the one call a turn makes. */
export const MODEL_DEFAULTS = { maxRetries: 1, timeoutMs: 60_000, temperature: 0 } as const;

/** How to turn the LLM on; shown when the assistant could have used one. */
export const CONFIGURE_LLM_HINT =
  "To let me understand free-form requests, configure an OpenAI-compatible model: set HEARTH_MODEL (e.g. gpt-4o-mini), " +
  "OPENAI_API_KEY, and OPENAI_BASE_URL for any endpoint other than OpenAI's (e.g. http://127.0.0.1:11434/v1), " +
  "as worker vars or with `wrangler secret put`.";

/**
 * The chat model from env, or null when HEARTH_MODEL is unset or there is neither a key nor a base URL.
 * @example createChatModel({ HEARTH_MODEL: "llama3.1", OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" })
 */
export function createChatModel(env: ModelEnv): ChatOpenAI | null {
  const model = env.HEARTH_MODEL?.trim();
  const baseURL = env.OPENAI_BASE_URL?.trim() || undefined;
  const apiKey = env.OPENAI_API_KEY?.trim() || undefined;
  if (!model || (!apiKey && !baseURL)) return null;
  // `streaming` is left unset on purpose: `streaming: false` silently turns `.stream()` into one chunk.
  return new ChatOpenAI({
    model,
    // A local server usually needs no key, but the client refuses to start without one.
    apiKey: apiKey ?? "not-needed",
    temperature: MODEL_DEFAULTS.temperature,
    maxRetries: MODEL_DEFAULTS.maxRetries,
    timeout: timeoutMs(env.HEARTH_MODEL_TIMEOUT_SECONDS),
    configuration: { baseURL },
  });
}

/** The model call's timeout: HEARTH_MODEL_TIMEOUT_SECONDS when it is a positive number, else the default. */
function timeoutMs(seconds: string | undefined): number {
  const value = Number(seconds);
  return Number.isFinite(value) && value > 0 ? value * 1000 : MODEL_DEFAULTS.timeoutMs;
}
