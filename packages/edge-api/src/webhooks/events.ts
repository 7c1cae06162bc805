import type { z } from "zod";

/**
 * Outbound webhook events, for the API document's `webhooks` section. Webhooks do not exist yet (issue 12):
 * when they land, each event is registered here with its payload schema (the Standard Webhooks envelope
 * around the event's data), and `/v1/openapi.json` documents it. Empty until then, so the document promises
 * nothing the API does not send.
 */
export interface WebhookEvent {
  /** The event type, e.g. `referral.converted`: the key under `webhooks` in the document. */
  type: string;
  summary: string;
  description: string;
  payload: z.ZodType;
}

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = [];
