import { sha256Hex } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";
import { executeOnce, type Outcome, type Reader } from "../../lib/idempotency";
import { type Program, type ProgramRow, toProgram } from "../../programs/service";
import { planConversion } from "../../referrals/conversions";
import type { ReferralStatus } from "../../referrals/status";
import { planStatusChange } from "../../referrals/status-change";
import { dispatchPrograms } from "../../webhooks/dispatch";
import type { Attribution, Payment, StripeFacts } from "./facts";

/**
 * Applies stored Stripe events (src/integrations/stripe/receive.ts) to referrals, off the request path.
 *
 * Stripe does not promise order: `invoice.paid` often arrives before the `checkout.session.completed` that
 * says who referred the customer, and retries come back hours later. So an event waits `SETTLE_MS` after it
 * arrives, then each customer's waiting events are applied together in Stripe's order (`created`), with what
 * ties the customer to a member (checkouts, customers) before what happens to their money. A payment that no
 * referral matched is kept as `unattributed` and applied again if the customer is attributed later.
 *
 * Every change goes through the same plans as the API (planConversion, planStatusChange), keyed like the API:
 * `invoice:<id>` (the same key `PATCH /v1/referrals/{id}` uses for `invoice_id`), `refund:<charge>`,
 * `churn:<subscription>`, `checkout:<session>`, so a payment reported both by Stripe and by the vendor's
 * server counts once. The event is marked applied in the batch that makes its change.
 */
export const SETTLE_MS = 20_000;

interface StoredEvent {
  program_id: string;
  id: string;
  type: string;
  customer: string;
  stripe_created: number;
  facts: string;
  received_at: number;
  applied_at: number | null;
  outcome: string | null;
}

interface CustomerRow {
  click_id: string | null;
  code: string | null;
  email: string | null;
}

export interface ApplyResult {
  applied: number;
  /** Programs whose referrals changed: their webhook deliveries should be queued. */
  changed: Set<string>;
}

/** Applies the events that have settled (one customer's, one program's, or everyone's), oldest first. */
export async function applyStripeEvents(
  env: Pick<Env, "DB">,
  opts: { now?: number; programId?: string; customer?: string; limit?: number } = {},
): Promise<ApplyResult> {
  const db = env.DB;
  const now = opts.now ?? Date.now();
  const scope = [opts.programId ? "AND program_id = ?" : "", opts.customer ? "AND customer = ?" : ""].join(" ");
  const { results } = await db
    .prepare(
      `SELECT DISTINCT program_id, customer FROM stripe_events
       WHERE applied_at IS NULL AND received_at <= ? ${scope} LIMIT ?`,
    )
    .bind(now - SETTLE_MS, ...[opts.programId, opts.customer].filter((v) => v !== undefined), opts.limit ?? 100)
    .all<{ program_id: string; customer: string }>();
  const result: ApplyResult = { applied: 0, changed: new Set() };
  const programs = new Map<string, Program>();
  for (const { program_id, customer } of results) {
    let program = programs.get(program_id);
    if (!program) {
      const row = await db.prepare("SELECT * FROM programs WHERE id = ?").bind(program_id).first<ProgramRow>();
      if (!row) continue;
      program = toProgram(row);
      programs.set(program_id, program);
    }
    const { applied, changed } = await applyCustomer(db, program, customer, now);
    result.applied += applied;
    if (changed) result.changed.add(program_id);
  }
  return result;
}

/** Attribution first, then money, each in Stripe's order. */
function order(events: StoredEvent[]): StoredEvent[] {
  const phase = (e: StoredEvent) => ((JSON.parse(e.facts) as StripeFacts).kind === "attribution" ? 0 : 1);
  return [...events].sort(
    (a, b) => phase(a) - phase(b) || a.stripe_created - b.stripe_created || a.id.localeCompare(b.id),
  );
}

async function applyCustomer(
  db: D1Database,
  program: Program,
  customer: string,
  now: number,
): Promise<{ applied: number; changed: boolean }> {
  const waiting = async () =>
    order(
      (
        await db
          .prepare(
            `SELECT * FROM stripe_events WHERE program_id = ? AND customer = ? AND applied_at IS NULL AND received_at <= ?
             ORDER BY stripe_created, id`,
          )
          .bind(program.id, customer, now - SETTLE_MS)
          .all<StoredEvent>()
      ).results,
    );
  let applied = 0;
  let changed = false;
  let queue = await waiting();
  while (queue.length > 0) {
    const event = queue.shift() as StoredEvent;
    const facts = JSON.parse(event.facts) as StripeFacts;
    const step = await applyOne(db, program, event, facts, now);
    applied += 1;
    changed ||= step.changed;
    // A customer newly tied to a member: their payments nobody matched so far are tried again, in order.
    if (step.attributed) {
      await db
        .prepare(
          "UPDATE stripe_events SET applied_at = NULL WHERE program_id = ? AND customer = ? AND outcome = 'unattributed'",
        )
        .bind(program.id, customer)
        .run();
      queue = await waiting();
    }
  }
  return { applied, changed };
}

function markApplied(
  db: D1Database,
  event: StoredEvent,
  now: number,
  outcome: string,
  referralId: string | null,
): D1PreparedStatement {
  return db
    .prepare("UPDATE stripe_events SET applied_at = ?, outcome = ?, referral_id = ? WHERE program_id = ? AND id = ?")
    .bind(now, outcome.slice(0, 500), referralId, event.program_id, event.id);
}

async function applyOne(
  db: D1Database,
  program: Program,
  event: StoredEvent,
  facts: StripeFacts,
  now: number,
): Promise<{ changed: boolean; attributed: boolean }> {
  let attributed = false;
  if (facts.kind === "attribution" || facts.kind === "payment") {
    attributed = await remember(db, program.id, event, facts.attribution, now);
  }
  const customer = (await db
    .prepare("SELECT click_id, code, email FROM stripe_customers WHERE program_id = ? AND customer = ?")
    .bind(program.id, event.customer)
    .first<CustomerRow>()) ?? { click_id: null, code: null, email: null };

  const payment = facts.kind === "attribution" ? facts.payment : facts.kind === "payment" ? facts.payment : undefined;
  if (facts.kind === "attribution" && !payment) {
    await markApplied(db, event, now, attributed ? "attributed" : "nothing new", null).run();
    return { changed: false, attributed };
  }
  const referral = event.customer.startsWith("cus_")
    ? await db
        .prepare("SELECT id, status FROM referrals WHERE program_id = ? AND external_customer_id = ?")
        .bind(program.id, event.customer)
        .first<{ id: string; status: ReferralStatus }>()
    : null;

  if (payment) return { changed: await applyPayment(db, program, event, customer, referral, payment, now), attributed };
  if (facts.kind === "refund") {
    if (!facts.full) return ignore(db, event, now, "a partial refund: the customer still pays", attributed);
    if (!referral || !["converted", "renewed"].includes(referral.status)) {
      return ignore(
        db,
        event,
        now,
        referral ? `the referral is ${referral.status}` : "no referral for this customer",
        attributed,
      );
    }
    const changed = await change(db, program, event, now, `refund:${facts.charge}`, (reader) =>
      planStatusChange(
        db,
        program,
        referral.id,
        { status: "refunded", reason: `Stripe charge ${facts.charge} refunded` },
        reader,
        `refund:${facts.charge}`,
      ),
    );
    return { changed, attributed };
  }
  if (facts.kind === "churn") {
    if (!referral || referral.status === "lost" || referral.status === "refunded") {
      return ignore(
        db,
        event,
        now,
        referral ? `the referral is already ${referral.status}` : "no referral for this customer",
        attributed,
      );
    }
    const key = `churn:${facts.subscription}`;
    const changed = await change(db, program, event, now, key, (reader) =>
      planStatusChange(
        db,
        program,
        referral.id,
        { status: "lost", reason: `Stripe subscription ${facts.subscription} cancelled` },
        reader,
        key,
      ),
    );
    return { changed, attributed };
  }
  return ignore(db, event, now, "nothing to do", attributed);
}

async function ignore(db: D1Database, event: StoredEvent, now: number, why: string, attributed: boolean) {
  await markApplied(db, event, now, `ignored: ${why}`, null).run();
  return { changed: false, attributed };
}

/** Keeps what ties the customer to a member; the first click id and code win. True if something was added. */
async function remember(db: D1Database, programId: string, event: StoredEvent, a: Attribution, now: number) {
  if (!a.click_id && !a.code && !a.email) return false;
  const before = await db
    .prepare("SELECT click_id, code, email FROM stripe_customers WHERE program_id = ? AND customer = ?")
    .bind(programId, event.customer)
    .first<CustomerRow>();
  const added = Boolean((!before?.click_id && a.click_id) || (!before?.code && a.code) || (!before?.email && a.email));
  if (!added) return false;
  await db
    .prepare(
      `INSERT INTO stripe_customers (program_id, customer, click_id, code, email, attributed_by, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
       ON CONFLICT (program_id, customer) DO UPDATE SET
         click_id = COALESCE(stripe_customers.click_id, excluded.click_id),
         code = COALESCE(stripe_customers.code, excluded.code),
         email = COALESCE(stripe_customers.email, excluded.email),
         attributed_by = COALESCE(stripe_customers.attributed_by, excluded.attributed_by),
         updated_at = excluded.updated_at`,
    )
    .bind(programId, event.customer, a.click_id, a.code, a.email, a.click_id || a.code ? event.id : null, now)
    .run();
  return true;
}

async function applyPayment(
  db: D1Database,
  program: Program,
  event: StoredEvent,
  customer: CustomerRow,
  referral: { id: string; status: ReferralStatus } | null,
  payment: Payment,
  now: number,
): Promise<boolean> {
  const paying = referral && (referral.status === "converted" || referral.status === "renewed");
  if (paying && payment.first) {
    await markApplied(db, event, now, "ignored: the referral is already converted", referral.id).run();
    return false;
  }
  if (paying) {
    return change(db, program, event, now, payment.key, (reader) =>
      planStatusChange(
        db,
        program,
        referral.id,
        {
          status: "renewed",
          value_cents: payment.amount,
          currency: payment.currency,
          ...(payment.plan ? { plan: payment.plan } : {}),
        },
        reader,
        payment.key,
      ),
    );
  }
  const realCustomer = event.customer.startsWith("cus_") ? event.customer : undefined;
  if (!realCustomer && !customer.email) {
    await markApplied(db, event, now, "unattributed", null).run();
    return false;
  }
  return change(db, program, event, now, payment.key, (reader) =>
    planConversion(
      db,
      program,
      {
        status: "converted",
        if_unattributed: "ignore",
        ...(realCustomer ? { external_customer_id: realCustomer } : {}),
        ...(customer.email ? { email: customer.email } : {}),
        ...(customer.click_id ? { click_id: customer.click_id } : {}),
        ...(customer.code ? { code: customer.code } : {}),
        value_cents: payment.amount,
        currency: payment.currency,
        ...(payment.plan ? { plan: payment.plan } : {}),
      },
      reader,
      payment.key,
    ),
  );
}

/** Runs a plan once per key and marks the event applied in its batch. A refusal is an outcome, not a retry. */
async function change(
  db: D1Database,
  program: Program,
  event: StoredEvent,
  now: number,
  key: string,
  plan: (reader: Reader) => Promise<Outcome>,
): Promise<boolean> {
  const describe = (o: Outcome) => {
    const body = o.body as { referral: { id: string; status: string } | null; events: { to: string }[] };
    if (!body.referral) return { text: "unattributed", referralId: null };
    const moves = body.events.map((e) => e.to).join(", ");
    return {
      text: moves ? `${moves}: ${body.referral.id}` : `no change: ${body.referral.id} is ${body.referral.status}`,
      referralId: body.referral.id,
    };
  };
  try {
    const result = await executeOnce(db, program.id, key, await sha256Hex(`stripe ${key}`), plan, {
      extra: (o) => {
        const d = describe(o);
        return [markApplied(db, event, now, d.text, d.referralId)];
      },
      // Nobody matched: leave the key free, so the payment can count once the customer is attributed.
      store: (o) => describe(o).referralId !== null,
    });
    if ("stored" in result) {
      await markApplied(db, event, now, `already recorded (${key})`, null).run();
      return false;
    }
    return result.outcome.statements.length > 0;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err; // D1 trouble: the event stays waiting, tried again later
    await markApplied(db, event, now, `refused: ${err.code}: ${err.message}`, null).run();
    return false;
  }
}

export interface StripeApplyMessage {
  program_id: string;
  customer: string;
}

/** The STRIPE_EVENTS queue's consumer: each message says whose events have settled. */
export async function consumeStripeEvents(
  batch: MessageBatch<StripeApplyMessage>,
  env: Pick<Env, "DB" | "WEBHOOKS" | "WEBHOOK_DISPATCH">,
): Promise<void> {
  const changed = new Set<string>();
  for (const message of batch.messages) {
    try {
      const result = await applyStripeEvents(env, {
        programId: message.body.program_id,
        customer: message.body.customer,
      });
      for (const p of result.changed) changed.add(p);
      message.ack();
    } catch (err) {
      console.error("stripe events not applied; retrying", String(err));
      message.retry({ delaySeconds: 30 });
    }
  }
  await dispatchPrograms(env, changed);
}
