import { ApiError } from "../lib/errors";
import type { Outcome, Reader } from "../lib/idempotency";
import { newId, normalizeCode } from "../lib/ids";
import type { Program } from "../programs/service";
import { rewardReadStatements, type SqlRef, valueRef } from "../rewards/hook";
import { assertNotSelfReferral, attributionFrom, attributionStatement, newReferralRow } from "./attribution";
import type { ConversionInput } from "./schema";
import { type EventRow, eventView, type ReferralRow, referralView } from "./service";
import { canTransition, RANK, type ReferralStatus } from "./status";
import { planTransitions, type TransitionStep } from "./transition";

/**
 * A conversion from the vendor's server: find the referral (customer id, then email) or create it from
 * the click id or code, then move it to `qualified`/`converted`. A referral already at or past the target
 * is left alone, so a retried webhook without a key is harmless too.
 *
 * Everything it needs to decide is read in ONE batch (with the idempotency lookup): both candidate
 * referrals, their events, the attribution, and the rewards engine's reads, whose member and referral are
 * given as subqueries because they are not known yet. The write is the second and last round trip.
 */
export async function planConversion(
  db: D1Database,
  program: Program,
  input: ConversionInput,
  reader: Reader,
  idempotencyKey?: string,
): Promise<Outcome> {
  const target: ReferralStatus = input.status;
  const step: TransitionStep = {
    to: target,
    plan: input.plan,
    value_cents: input.value_cents,
    currency: input.currency,
  };
  const newReferralId = newId("ref");
  const byCustomer = "SELECT * FROM referrals WHERE program_id = ? AND external_customer_id = ?";
  const byEmail = "SELECT * FROM referrals WHERE program_id = ? AND friend_email = ?";
  const customerArgs = [program.id, input.external_customer_id ?? null];
  const emailArgs = [program.id, input.email ?? null];
  const attribution = input.click_id || input.code ? { clickId: input.click_id, code: input.code } : null;
  const attributedMember: SqlRef = input.click_id
    ? { sql: "(SELECT member_id FROM visits WHERE id = ? AND program_id = ?)", params: [input.click_id, program.id] }
    : input.code
      ? {
          sql: "(SELECT id FROM members WHERE code = ? AND program_id = ?)",
          params: [normalizeCode(input.code), program.id],
        }
      : { sql: "NULL", params: [] };
  const pick = (column: string, fallback: SqlRef): SqlRef => ({
    sql: `COALESCE((${byCustomer.replace("*", column)}), (${byEmail.replace("*", column)}), ${fallback.sql})`,
    params: [...customerArgs, ...emailArgs, ...fallback.params],
  });
  const reads = await reader.batch([
    db.prepare(byCustomer).bind(...customerArgs),
    db.prepare(byEmail).bind(...emailArgs),
    db
      .prepare(
        `SELECT * FROM events WHERE referral_id IN (SELECT id FROM referrals WHERE program_id = ?
           AND (external_customer_id = ? OR friend_email = ?)) ORDER BY seq`,
      )
      .bind(program.id, input.external_customer_id ?? null, input.email ?? null),
    ...(attribution ? [attributionStatement(db, program, attribution)] : []),
    ...rewardReadStatements(db, program.id, pick("member_id", attributedMember), pick("id", valueRef(newReferralId))),
  ]);
  const [customerRes, emailRes, eventsRes] = reads;
  const attributionRes = attribution ? reads[3] : undefined;
  const rewardReads = reads.slice(attribution ? 4 : 3);

  const existing = (customerRes?.results[0] ?? emailRes?.results[0]) as ReferralRow | undefined;
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
    const history = ((eventsRes?.results ?? []) as EventRow[]).filter((e) => e.referral_id === existing.id);
    const plan = await planTransitions(db, program, existing, base, [step], { history, idempotencyKey, rewardReads });
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
  if (!attribution) {
    throw new ApiError("no_attribution", "Send a click_id, a code or a member_token to say who referred this person.");
  }
  const resolved = attributionFrom(program, attribution, attributionRes);
  assertNotSelfReferral(program, resolved.member, input.email);
  const now = Date.now();
  const base = {
    ...newReferralRow(
      program,
      resolved,
      "conversion",
      { email: input.email, name: input.name, company: input.company, externalCustomerId: input.external_customer_id },
      now,
    ),
    id: newReferralId,
  };
  const plan = await planTransitions(db, program, null, base, [{ to: "lead" }, step], {
    now,
    idempotencyKey,
    rewardReads,
  });
  return {
    status: 201,
    body: { referral: referralView(plan.referral), events: plan.events.map(eventView), changed: true },
    statements: plan.statements,
  };
}
