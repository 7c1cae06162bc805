import { assessConversion, verdict } from "../fraud/engine";
import { type ReviewRow, reviewView } from "../fraud/reviews";
import { router } from "../lib/app";
import { type AuditRow, auditView } from "../lib/audit";
import { emailKey } from "../lib/email";
import { ApiError } from "../lib/errors";
import { runIdempotent } from "../lib/idempotency";
import { pageOf, pageStart } from "../lib/pagination";
import { valueRef } from "../lib/sql";
import { readBody, readQuery } from "../lib/validate";
import { rewardReadStatements } from "../rewards/hook";
import { planConversion } from "./conversions";
import { conversionSchema, listReferralsQuery, updateReferralSchema } from "./schema";
import { eventView, type ReferralRow, referralFrom, referralReads, referralView } from "./service";
import { canTransition, TRANSITIONS } from "./status";
import { planTransitions } from "./transition";

export const conversionRoutes = router();

conversionRoutes.post("/", async (c) => {
  const input = await readBody(c, conversionSchema);
  return runIdempotent(c, (reader) =>
    planConversion(c.env.DB, c.get("program"), input, reader, c.req.header("idempotency-key")),
  );
});

export const referralRoutes = router();

referralRoutes.get("/", async (c) => {
  const program = c.get("program");
  const q = readQuery(c, listReferralsQuery);
  const [cursorAt, cursorId] = pageStart(q.cursor);
  const filters: string[] = ["program_id = ?", "(created_at, id) < (?, ?)"];
  const params: (string | number)[] = [program.id, cursorAt, cursorId];
  if (q.status) {
    filters.push("status = ?");
    params.push(q.status);
  }
  if (q.member_id) {
    filters.push("member_id = ?");
    params.push(q.member_id);
  }
  if (q.email) {
    filters.push("friend_email_key = ?");
    params.push(emailKey(q.email));
  }
  const { results } = await c.env.DB.prepare(
    `SELECT * FROM referrals WHERE ${filters.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`,
  )
    .bind(...params, q.limit + 1)
    .all<ReferralRow>();
  const { page, next_cursor } = pageOf(results, q.limit);
  return c.json({ data: page.map(referralView), next_cursor });
});

referralRoutes.get("/:id", async (c) => {
  const id = c.req.param("id");
  const db = c.env.DB;
  const [referralRes, eventsRes, reviewsRes, auditRes] = await db.batch([
    ...referralReads(db, c.get("program").id, id),
    db.prepare("SELECT * FROM reviews WHERE referral_id = ? ORDER BY created_at").bind(id),
    db.prepare("SELECT * FROM audit_log WHERE referral_id = ? ORDER BY created_at, id").bind(id),
  ]);
  const { referral, events } = referralFrom(id, referralRes, eventsRes);
  return c.json({
    referral: referralView(referral),
    events: events.map(eventView),
    reviews: ((reviewsRes?.results ?? []) as ReviewRow[]).map(reviewView),
    audit: ((auditRes?.results ?? []) as AuditRow[]).map(auditView),
  });
});

/** Status changes from the vendor: qualified, converted, renewed (each renewal), lost (churn), refunded. */
referralRoutes.patch("/:id", async (c) => {
  const program = c.get("program");
  const { invoice_id, ...input } = await readBody(c, updateReferralSchema);
  const id = c.req.param("id");
  const invoiceKey = invoice_id ? `invoice:${invoice_id}` : undefined;
  // Each renewal pays again, so a retried billing webhook must never count twice: say which invoice it is.
  if (input.status === "renewed" && !c.req.header("idempotency-key") && !invoiceKey) {
    throw new ApiError(
      "idempotency_key_required",
      "A renewal pays again each time: send the invoice id as `invoice_id` (or an Idempotency-Key header) so a retry is not a second renewal.",
    );
  }
  return runIdempotent(
    c,
    async (reader) => {
      const db = c.env.DB;
      const member = {
        sql: "(SELECT member_id FROM referrals WHERE id = ? AND program_id = ?)",
        params: [id, program.id],
      };
      const [referralRes, eventsRes, ...rewardReads] = await reader.batch([
        ...referralReads(db, program.id, id),
        ...rewardReadStatements(db, program.id, member, valueRef(id)),
      ]);
      const { referral: current, events: history } = referralFrom(id, referralRes, eventsRes);
      if (!canTransition(current.status, input.status)) {
        throw new ApiError("invalid_transition", `A ${current.status} referral cannot become ${input.status}.`, {
          from: current.status,
          to: input.status,
          allowed: TRANSITIONS[current.status],
        });
      }
      const signals = input.value_cents !== undefined ? assessConversion(program.fraudRules, input) : [];
      if (verdict(signals) === "block") {
        throw new ApiError("referral_blocked", "A fraud rule blocked this change.", { reasons: signals });
      }
      const plan = await planTransitions(c.env.DB, program, current, current, [{ ...input, to: input.status }], {
        history,
        idempotencyKey: invoiceKey ?? c.req.header("idempotency-key"),
        rewardReads,
        flags: signals,
      });
      return {
        status: 200,
        body: { referral: referralView(plan.referral), events: plan.events.map(eventView) },
        statements: plan.statements,
      };
    },
    invoiceKey,
  );
});
