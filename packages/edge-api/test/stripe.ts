import { SELF } from "cloudflare:test";
import Stripe from "stripe";
import { API } from "./fixtures";
import fixtures from "./stripe/fixtures3.json";

/**
 * Stripe events as Stripe sends them: objects are Stripe's own fixtures (test/stripe/fixtures3.json, from
 * github.com/stripe/openapi, what stripe-mock answers with) with the fields a test cares about changed, wrapped
 * in Stripe's event envelope, and signed by the official `stripe` package.
 */
type Obj = Record<string, unknown>;
type Resource = "checkout.session" | "invoice" | "charge" | "customer" | "subscription";

function merge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b)
        ? merge(b as Obj, v as Obj)
        : v;
  }
  return out;
}

export function stripeObject(resource: Resource, over: Obj): Obj {
  return merge(structuredClone((fixtures as unknown as Record<string, Obj>)[resource] as Obj), over);
}

let seq = 0;
export function stripeEvent(
  type: string,
  object: Obj,
  opts: { id?: string; created?: number; livemode?: boolean } = {},
) {
  seq += 1;
  return {
    ...(structuredClone(fixtures.event) as Obj),
    id: opts.id ?? `evt_test${String(seq).padStart(8, "0")}${crypto.randomUUID().slice(0, 6)}`,
    type,
    created: opts.created ?? Math.floor(Date.now() / 1000),
    livemode: opts.livemode ?? false,
    api_version: "2026-10-28.endive",
    data: { object },
  } as Obj & { id: string; type: string; created: number };
}

/** A paid invoice of a subscription: the first (`subscription_create`) or a renewal (`subscription_cycle`). */
export function paidInvoice(o: {
  id: string;
  customer: string;
  amount: number;
  first: boolean;
  email?: string;
  metadata?: Obj;
}) {
  return stripeObject("invoice", {
    id: o.id,
    customer: o.customer,
    customer_email: o.email ?? null,
    amount_paid: o.amount,
    amount_due: o.amount,
    currency: "usd",
    status: "paid",
    billing_reason: o.first ? "subscription_create" : "subscription_cycle",
    parent: {
      type: "subscription_details",
      quote_details: null,
      subscription_details: { subscription: "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw", metadata: o.metadata ?? {} },
    },
    lines: {
      data: [
        {
          ...(fixtures.invoice.lines.data[0] as Obj),
          amount: o.amount,
          pricing: {
            type: "price_details",
            price_details: { price: "price_pro_monthly", product: "prod_pro" },
            unit_amount_decimal: null,
          },
        },
      ],
    },
  });
}

export async function stripeHeader(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)) {
  return Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, timestamp });
}

/** POSTs an event to the program's Stripe endpoint, signed with `secret`. */
export async function sendStripe(
  programId: string,
  event: Obj,
  secret: string,
  init: { header?: string; body?: string } = {},
) {
  const body = init.body ?? JSON.stringify(event, null, 2);
  const res = await SELF.fetch(`${API}/v1/integrations/stripe/${programId}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "stripe-signature": init.header ?? (await stripeHeader(body, secret)),
    },
    body,
  });
  return { res, json: (await res.json()) as Obj & any };
}

export const STRIPE_SECRET = "whsec_test_0123456789abcdefghijklmnop";
