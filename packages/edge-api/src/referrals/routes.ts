import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { runIdempotent } from "../lib/idempotency";
import { readBody, readQuery } from "../lib/validate";
import { decodeCursor, encodeCursor } from "../members/routes";
import { planConversion } from "./conversions";
import { conversionSchema, listReferralsQuery, updateReferralSchema } from "./schema";
import { eventView, getReferral, type ReferralRow, referralEvents, referralView } from "./service";
import { canTransition, TRANSITIONS } from "./status";
import { planTransitions } from "./transition";

export const conversionRoutes = router();

conversionRoutes.post("/", async (c) => {
  const input = await readBody(c, conversionSchema);
  return runIdempotent(c, () => planConversion(c.env.DB, c.get("program"), input, c.req.header("idempotency-key")));
});

export const referralRoutes = router();

referralRoutes.get("/", async (c) => {
  const program = c.get("program");
  const q = readQuery(c, listReferralsQuery);
  const [cursorAt, cursorId] = q.cursor ? decodeCursor(q.cursor) : [Number.MAX_SAFE_INTEGER, "\uffff"];
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
  const { results } = await c.env.DB.prepare(
    `SELECT * FROM referrals WHERE ${filters.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`,
  )
    .bind(...params, q.limit + 1)
    .all<ReferralRow>();
  const page = results.slice(0, q.limit);
  const last = page.at(-1);
  return c.json({
    data: page.map(referralView),
    next_cursor: results.length > q.limit && last ? encodeCursor(last.created_at, last.id) : null,
  });
});

referralRoutes.get("/:id", async (c) => {
  const referral = await getReferral(c.env.DB, c.get("program").id, c.req.param("id"));
  const events = await referralEvents(c.env.DB, referral.id);
  return c.json({ referral: referralView(referral), events: events.map(eventView) });
});

/** Status changes from the vendor: qualified, converted, renewed (each renewal), lost (churn), refunded. */
referralRoutes.patch("/:id", async (c) => {
  const program = c.get("program");
  const input = await readBody(c, updateReferralSchema);
  const id = c.req.param("id");
  return runIdempotent(c, async () => {
    const current = await getReferral(c.env.DB, program.id, id);
    if (!canTransition(current.status, input.status)) {
      throw new ApiError("invalid_transition", `A ${current.status} referral cannot become ${input.status}.`, {
        from: current.status,
        to: input.status,
        allowed: TRANSITIONS[current.status],
      });
    }
    const history = await referralEvents(c.env.DB, current.id);
    const plan = await planTransitions(c.env.DB, program, current, current, [{ ...input, to: input.status }], {
      history,
      idempotencyKey: c.req.header("idempotency-key"),
    });
    return {
      status: 200,
      body: { referral: referralView(plan.referral), events: plan.events.map(eventView) },
      statements: plan.statements,
    };
  });
});
