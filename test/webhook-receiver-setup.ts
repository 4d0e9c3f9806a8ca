import type { TestProject } from "vitest/node";
import { startWebhookReceiver } from "./webhook-receiver.ts";

declare module "vitest" {
  interface ProvidedContext {
    /** The webhook receiver's origin (http://127.0.0.1:<port>); absent when this globalSetup is not configured. */
    webhookReceiverUrl: string;
  }
}

/** vitest globalSetup: starts the webhook receiver in Node for the run and hands its URL to the tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const receiver = await startWebhookReceiver();
  project.provide("webhookReceiverUrl", receiver.url);
  return () => receiver.close();
}
