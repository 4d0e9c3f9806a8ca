import type { TestProject } from "vitest/node";
import { startFakeOpenAi } from "./fake-openai.ts";

declare module "vitest" {
  interface ProvidedContext {
    /** The fake OpenAI endpoint's base URL (…/v1); absent when this globalSetup is not configured. */
    fakeOpenAiUrl: string;
  }
}

/** vitest globalSetup: starts the fake OpenAI server in Node for the run and hands its URL to the tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fake = await startFakeOpenAi();
  project.provide("fakeOpenAiUrl", fake.url);
  return () => fake.close();
}
