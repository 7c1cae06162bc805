import { ApiError } from "../lib/errors";
import type { Outcome } from "../lib/idempotency";
import type { Program } from "../programs/service";
import { assertNotSelfReferral, newReferralRow, resolveAttribution } from "./attribution";
import { findReferralByEmail } from "./leads";
import type { ConversionInput } from "./schema";
import { eventView, type ReferralRow, referralEvents, referralView } from "./service";
import { canTransition, RANK, type ReferralStatus } from "./status";
import { planTransitions, type TransitionStep } from "./transition";

async function findExisting(db: D1Database, programId: string, input: ConversionInput): Promise<ReferralRow | null> {
  if (input.external_customer_id) {
    const row = await db
      .prepare("SELECT * FROM referrals WHERE program_id = ? AND external_customer_id = ?")
      .bind(programId, input.external_customer_id)
      .first<ReferralRow>();
    if (row) return row;
  }
  return input.email ? findReferralByEmail(db, programId, input.email) : null;
}

/**
 * A conversion from the vendor's server: find the referral (customer id, then email) or create it from
 * the click id or code, then move it to `qualified`/`converted`. A referral already at or past the target
 * is left alone, so a retried webhook without a key is harmless too.
 */
export async function planConversion(
  db: D1Database,
  program: Program,
  input: ConversionInput,
  idempotencyKey?: string,
): Promise<Outcome> {
  const target: ReferralStatus = input.status;
  const step: TransitionStep = {
    to: target,
    plan: input.plan,
    value_cents: input.value_cents,
    currency: input.currency,
  };
  const existing = await findExisting(db, program.id, input);
  if (existing) {
    if (existing.status === target || (RANK[existing.status] > RANK[target] && RANK[existing.status] < 9)) {
      return { status: 200, body: { referral: referralView(existing), events: [], changed: false }, statements: [] };
    }
    if (!canTransition(existing.status, target)) {
      throw new ApiError("invalid_transition", `A ${existing.status} referral cannot become ${target}.`, {
        from: existing.status,
        to: target,
      });
    }
    const base = {
      ...existing,
      external_customer_id: existing.external_customer_id ?? input.external_customer_id ?? null,
    };
    const history = await referralEvents(db, existing.id);
    const plan = await planTransitions(db, program, existing, base, [step], { history, idempotencyKey });
    return {
      status: 200,
      body: { referral: referralView(plan.referral), events: plan.events.map(eventView), changed: true },
      statements: plan.statements,
    };
  }

  if (!input.email) {
    throw new ApiError(
      "validation_failed",
      "No referral has this external_customer_id; send the email to create one.",
      [{ path: "email", message: "Required to create a referral" }],
    );
  }
  const attribution = await resolveAttribution(db, program, { clickId: input.click_id, code: input.code });
  assertNotSelfReferral(program, attribution.member, input.email);
  const now = Date.now();
  const base = newReferralRow(
    program,
    attribution,
    "conversion",
    { email: input.email, name: input.name, company: input.company, externalCustomerId: input.external_customer_id },
    now,
  );

  const plan = await planTransitions(db, program, null, base, [{ to: "lead" }, step], { now, idempotencyKey });
  return {
    status: 201,
    body: { referral: referralView(plan.referral), events: plan.events.map(eventView), changed: true },
    statements: plan.statements,
  };
}
