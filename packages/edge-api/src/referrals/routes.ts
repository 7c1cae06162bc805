import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { runIdempotent } from "../lib/idempotency";
import { pageOf, pageStart } from "../lib/pagination";
import { readBody, readQuery } from "../lib/validate";
import { rewardReadStatements, valueRef } from "../rewards/hook";
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
  const [referralRes, eventsRes] = await c.env.DB.batch(referralReads(c.env.DB, c.get("program").id, id));
  const { referral, events } = referralFrom(id, referralRes, eventsRes);
  return c.json({ referral: referralView(referral), events: events.map(eventView) });
});

/** Status changes from the vendor: qualified, converted, renewed (each renewal), lost (churn), refunded. */
referralRoutes.patch("/:id", async (c) => {
  const program = c.get("program");
  const input = await readBody(c, updateReferralSchema);
  const id = c.req.param("id");
  return runIdempotent(c, async (reader) => {
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
    const plan = await planTransitions(c.env.DB, program, current, current, [{ ...input, to: input.status }], {
      history,
      idempotencyKey: c.req.header("idempotency-key"),
      rewardReads,
    });
    return {
      status: 200,
      body: { referral: referralView(plan.referral), events: plan.events.map(eventView) },
      statements: plan.statements,
    };
  });
});
