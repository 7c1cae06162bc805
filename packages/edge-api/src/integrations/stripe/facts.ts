import { CLICK_ID_PATTERN } from "../../tracking/click-id";

/**
 * What Vouch takes from a Stripe event: who the customer is, what ties them to a member, and what happened to
 * their money. Pure, so each event type is tested on Stripe's own fixtures (test/stripe/fixtures3.json).
 * Reads both the current shapes (API 2025-03-31 and later: `invoice.parent.subscription_details`, line
 * `pricing.price_details`) and the older ones (`invoice.subscription_details`, line `price`), since an
 * endpoint's payloads follow the API version it was created with.
 */

/** Where the referral came from, as the checkout, customer or subscription carried it. */
export interface Attribution {
  click_id: string | null;
  code: string | null;
  email: string | null;
}

export type StripeFacts =
  | { kind: "attribution"; attribution: Attribution; payment?: Payment }
  | { kind: "payment"; attribution: Attribution; payment: Payment }
  | { kind: "refund"; charge: string; full: boolean; amount_refunded: number; currency: string }
  | { kind: "churn"; subscription: string };

export interface Payment {
  /** The idempotency key: the same invoice (or one-off checkout) is the same payment, however often it comes. */
  key: string;
  amount: number;
  currency: string;
  plan: string | null;
  /** true for the payment that makes the customer a customer; false for a renewal. */
  first: boolean;
}

export interface ReducedEvent {
  id: string;
  type: string;
  created: number;
  livemode: boolean;
  customer: string;
  facts: StripeFacts;
}

/** The event types Vouch reads; every other type is acknowledged and ignored. */
export const STRIPE_EVENT_TYPES = [
  "checkout.session.completed",
  "customer.created",
  "customer.updated",
  "invoice.paid",
  "charge.refunded",
  "customer.subscription.deleted",
] as const;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
/** An expandable field: an id, or the expanded object with one. */
const idOf = (v: unknown): string | null => str(v) ?? str(obj(v).id);

function fromMetadata(metadata: unknown): Pick<Attribution, "click_id" | "code"> {
  const m = obj(metadata);
  const click = str(m.vouch_click_id);
  return {
    click_id: click && CLICK_ID_PATTERN.test(click) ? click : null,
    code: str(m.vouch_code)?.slice(0, 64) ?? null,
  };
}

function merge(...parts: Partial<Attribution>[]): Attribution {
  const out: Attribution = { click_id: null, code: null, email: null };
  for (const p of parts) {
    out.click_id ??= p.click_id ?? null;
    out.code ??= p.code ?? null;
    out.email ??= p.email ?? null;
  }
  return out;
}

const hasAttribution = (a: Attribution) => Boolean(a.click_id || a.code || a.email);

function invoicePlan(invoice: Obj): string | null {
  const lines = obj(invoice.lines).data;
  const first = obj(Array.isArray(lines) ? lines[0] : undefined);
  const price = obj(first.price);
  const details = obj(obj(first.pricing).price_details);
  return str(price.nickname) ?? str(price.id) ?? idOf(details.price) ?? null;
}

/** The first paid invoice makes a customer; `subscription_cycle` (and upgrades, thresholds) renew. */
const RENEWAL_REASONS = new Set(["subscription_cycle", "subscription_update", "subscription_threshold"]);

/** Reduces a verified event to what Vouch uses, or null for an event it does not read (acknowledged, ignored). */
export function reduceEvent(event: {
  id: string;
  type: string;
  created: number;
  livemode: boolean;
  data: { object: unknown };
}): ReducedEvent | null {
  const o = obj(event.data.object);
  const base = { id: event.id, type: event.type, created: event.created, livemode: event.livemode };
  switch (event.type) {
    case "checkout.session.completed": {
      const reference = str(o.client_reference_id);
      const attribution = merge(
        { click_id: reference && CLICK_ID_PATTERN.test(reference) ? reference : null },
        fromMetadata(o.metadata),
        { email: str(obj(o.customer_details).email) ?? str(o.customer_email) },
      );
      const customer = idOf(o.customer) ?? `guest:${String(o.id)}`;
      // A one-off payment is the conversion itself; a subscription's first invoice (invoice.paid) is.
      const paid = o.mode === "payment" && o.payment_status === "paid" && num(o.amount_total) > 0;
      const payment: Payment | undefined = paid
        ? {
            key: `checkout:${String(o.id)}`,
            amount: num(o.amount_total),
            currency: String(o.currency ?? "").toUpperCase(),
            plan: null,
            first: true,
          }
        : undefined;
      return { ...base, customer, facts: { kind: "attribution", attribution, ...(payment ? { payment } : {}) } };
    }
    case "customer.created":
    case "customer.updated": {
      const customer = idOf(o.id);
      if (!customer) return null;
      const attribution = merge(fromMetadata(o.metadata), { email: str(o.email) });
      return { ...base, customer, facts: { kind: "attribution", attribution } };
    }
    case "invoice.paid": {
      const customer = idOf(o.customer);
      const amount = num(o.amount_paid);
      if (!customer || amount <= 0) return null; // a $0 invoice (a trial) pays nothing
      const subscription = obj(obj(o.parent).subscription_details ?? o.subscription_details);
      const attribution = merge(fromMetadata(subscription.metadata), fromMetadata(o.metadata), {
        email: str(o.customer_email),
      });
      const reason = str(o.billing_reason) ?? "manual";
      return {
        ...base,
        customer,
        facts: {
          kind: "payment",
          attribution,
          payment: {
            key: `invoice:${String(o.id)}`,
            amount,
            currency: String(o.currency ?? "").toUpperCase(),
            plan: invoicePlan(o),
            first: !RENEWAL_REASONS.has(reason),
          },
        },
      };
    }
    case "charge.refunded": {
      const customer = idOf(o.customer);
      if (!customer) return null;
      return {
        ...base,
        customer,
        facts: {
          kind: "refund",
          charge: String(o.id),
          full: o.refunded === true,
          amount_refunded: num(o.amount_refunded),
          currency: String(o.currency ?? "").toUpperCase(),
        },
      };
    }
    case "customer.subscription.deleted": {
      const customer = idOf(o.customer);
      if (!customer) return null;
      return { ...base, customer, facts: { kind: "churn", subscription: String(o.id) } };
    }
    default:
      return null;
  }
}

export { hasAttribution };
