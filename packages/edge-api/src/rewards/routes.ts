import { router } from "../lib/app";
import { randomToken } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { runIdempotent } from "../lib/idempotency";
import { newId } from "../lib/ids";
import { pageAfter, pageOf, pageStart } from "../lib/pagination";
import { readBody, readQuery } from "../lib/validate";
import { getMember } from "../members/service";
import { stackingDiscount } from "./engine";
import { approvedRewardsCsv } from "./export";
import { MEMBER_COUNTS_SQL, type MemberCounts } from "./hook";
import { approveRewards, explainPaySkipped, getReward, promoteDue, type RewardRow, rewardView } from "./ledger";
import { drawRaffle, monthOf, monthRange, type RaffleEntrant } from "./raffle";
import { CURRENT_RULES_SQL, currentRuleset, type RulesRow, rulesetView, saveRuleset } from "./rules";
import {
  approveSchema,
  drawSchema,
  exportQuery,
  leaderboardQuery,
  listRewardsQuery,
  paySchema,
  putRulesetSchema,
  RULESET_BODY_LIMIT_BYTES,
  raffleEntriesQuery,
  voidSchema,
} from "./schema";

/** `GET/PUT /v1/reward-rules`: the program's rules; every change is a new version. */
export const rewardRuleRoutes = router();

rewardRuleRoutes.get("/", async (c) => {
  const program = c.get("program");
  const row = await c.env.DB.prepare(CURRENT_RULES_SQL).bind(program.id).first<RulesRow>();
  return c.json({ rules: rulesetView(program.id, row) });
});

rewardRuleRoutes.put("/", async (c) => {
  const program = c.get("program");
  const { expected_version, ...config } = await readBody(c, putRulesetSchema, RULESET_BODY_LIMIT_BYTES);
  const { row, created } = await saveRuleset(c.env.DB, program.id, config, expected_version);
  return c.json({ rules: rulesetView(program.id, row), created }, created ? 201 : 200);
});

rewardRuleRoutes.get("/versions", async (c) => {
  const program = c.get("program");
  const { results } = await c.env.DB.prepare(
    "SELECT version, config, created_at FROM reward_rules WHERE program_id = ? ORDER BY version DESC LIMIT 100",
  )
    .bind(program.id)
    .all<RulesRow>();
  return c.json({ data: results.map((r) => rulesetView(program.id, r)) });
});

rewardRuleRoutes.get("/versions/:version", async (c) => {
  const program = c.get("program");
  const version = Number(c.req.param("version"));
  const row = Number.isInteger(version)
    ? await c.env.DB.prepare(
        "SELECT version, config, created_at FROM reward_rules WHERE program_id = ? AND version = ?",
      )
        .bind(program.id, version)
        .first<RulesRow>()
    : null;
  if (!row) throw new ApiError("not_found", `No reward rules version ${c.req.param("version")}.`);
  return c.json({ rules: rulesetView(program.id, row) });
});

/** `/v1/rewards`: the ledger. List, approve, pay, void, export for a payout run. */
export const rewardRoutes = router();

rewardRoutes.get("/", async (c) => {
  const program = c.get("program");
  const q = readQuery(c, listRewardsQuery);
  await promoteDue(c.env.DB, Date.now(), program.id);
  const [cursorAt, cursorId] = pageStart(q.cursor);
  const filters = ["program_id = ?", "(created_at, id) < (?, ?)"];
  const params: (string | number)[] = [program.id, cursorAt, cursorId];
  for (const column of ["state", "member_id", "referral_id", "recipient", "kind", "rule_id", "currency"] as const) {
    const value = q[column];
    if (value !== undefined) {
      filters.push(`${column} = ?`);
      params.push(value);
    }
  }
  const { results } = await c.env.DB.prepare(
    `SELECT * FROM rewards WHERE ${filters.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`,
  )
    .bind(...params, q.limit + 1)
    .all<RewardRow>();
  const { page, next_cursor } = pageOf(results, q.limit);
  return c.json({ data: page.map(rewardView), next_cursor });
});

/** Approved rewards as CSV, oldest approval first: the input of a payout run (then `POST /v1/rewards/pay`). */
rewardRoutes.get("/export.csv", async (c) => {
  const program = c.get("program");
  const q = readQuery(c, exportQuery);
  await promoteDue(c.env.DB, Date.now(), program.id);
  return c.body(approvedRewardsCsv(c.env.DB, program.id, q), 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="vouch-approved-rewards-${new Date().toISOString().slice(0, 10)}.csv"`,
  });
});

rewardRoutes.post("/approve", async (c) => {
  const program = c.get("program");
  const { ids } = await readBody(c, approveSchema);
  const { approved, skipped } = await approveRewards(c.env.DB, program.id, ids, Date.now());
  return c.json({ approved: approved.map(rewardView), skipped });
});

/**
 * Marks approved rewards paid under one payout. Send an `Idempotency-Key` so a retried payout run is a
 * no-op. The payout row counts the rewards it really moved; if a reward changed state since it was read
 * the count is NULL, the NOT NULL column refuses it, and the whole batch rolls back.
 */
rewardRoutes.post("/pay", async (c) => {
  const program = c.get("program");
  const input = await readBody(c, paySchema);
  const db = c.env.DB;
  try {
    return await runIdempotent(c, async (reader) => {
      const now = Date.now();
      await promoteDue(db, now, program.id);
      const unique = [...new Set(input.ids)];
      // Through the reader, so a replay is answered from the stored response, not from today's state.
      const [payableRes] = await reader.batch([
        db
          .prepare(
            "SELECT * FROM rewards WHERE program_id = ? AND id IN (SELECT value FROM json_each(?)) AND state = 'approved'",
          )
          .bind(program.id, JSON.stringify(unique)),
      ]);
      const payable = (payableRes?.results ?? []) as RewardRow[];
      const payableIds = new Set(payable.map((r) => r.id));
      const skipped = await explainPaySkipped(
        db,
        program.id,
        unique.filter((id) => !payableIds.has(id)),
        now,
      );
      if (payable.length === 0) {
        throw new ApiError("invalid_reward_state", "None of these rewards is approved, so there is nothing to pay.", {
          skipped,
        });
      }
      const payoutId = newId("pay");
      const paid = payable.map((r) => ({ ...r, state: "paid" as const, paid_at: now, payout_id: payoutId }));
      const totals: Record<string, number> = {};
      for (const r of paid) if (r.currency) totals[r.currency] = (totals[r.currency] ?? 0) + r.amount;
      return {
        status: 201,
        body: {
          payout: { id: payoutId, reference: input.payout_reference, reward_count: paid.length, totals },
          paid: paid.map(rewardView),
          skipped,
        },
        statements: [
          db
            .prepare(
              `UPDATE rewards SET state = 'paid', paid_at = ?, payout_id = ?
               WHERE program_id = ? AND id IN (SELECT value FROM json_each(?)) AND state = 'approved'`,
            )
            .bind(now, payoutId, program.id, JSON.stringify([...payableIds])),
          db
            .prepare(
              `INSERT INTO payouts (id, program_id, reference, reward_count, created_at)
               VALUES (?1, ?2, ?3, (SELECT CASE WHEN COUNT(*) = ?4 THEN COUNT(*) END FROM rewards WHERE payout_id = ?1), ?5)`,
            )
            .bind(payoutId, program.id, input.payout_reference, paid.length, now),
        ],
      };
    });
  } catch (err) {
    if (String((err as Error)?.message).includes("NOT NULL constraint failed")) {
      throw new ApiError("conflict", "A reward changed state during the payout. Retry the request.");
    }
    throw err;
  }
});

rewardRoutes.get("/:id", async (c) => {
  const program = c.get("program");
  await promoteDue(c.env.DB, Date.now(), program.id);
  return c.json({ reward: rewardView(await getReward(c.env.DB, program.id, c.req.param("id"))) });
});

rewardRoutes.post("/:id/approve", async (c) => {
  const program = c.get("program");
  const id = c.req.param("id");
  const now = Date.now();
  const { approved, skipped } = await approveRewards(c.env.DB, program.id, [id], now);
  const done = approved[0];
  if (done) return c.json({ reward: rewardView(done) });
  const reason = skipped[0]?.reason ?? "not_found";
  if (reason === "not_found") throw new ApiError("reward_not_found", `No reward ${id} in this program.`);
  if (reason === "on_hold") {
    const row = await getReward(c.env.DB, program.id, id);
    throw new ApiError("reward_on_hold", "This reward is still in its hold period.", {
      available_at: new Date(row.available_at).toISOString(),
    });
  }
  throw new ApiError("invalid_reward_state", `This reward cannot be approved (${reason}).`, { reason });
});

/** Voids a pending or approved reward by hand, with a reason. A paid reward stays paid. */
rewardRoutes.post("/:id/void", async (c) => {
  const program = c.get("program");
  const id = c.req.param("id");
  const { reason } = await readBody(c, voidSchema);
  const row = await c.env.DB.prepare(
    `UPDATE rewards SET state = 'voided', voided_at = ?, void_reason = ?
     WHERE id = ? AND program_id = ? AND state IN ('pending', 'approved') RETURNING *`,
  )
    .bind(Date.now(), reason, id, program.id)
    .first<RewardRow>();
  if (row) return c.json({ reward: rewardView(row) });
  const current = await getReward(c.env.DB, program.id, id);
  throw new ApiError("invalid_reward_state", `A ${current.state} reward cannot be voided.`, { state: current.state });
});

/** `GET /v1/members/:id/discount`: the stacking discount the host's server applies to the member's bill. */
export const memberDiscountRoutes = router();

memberDiscountRoutes.get("/:id/discount", async (c) => {
  const program = c.get("program");
  const member = await getMember(c.env.DB, program.id, c.req.param("id"));
  const [ruleset, counts] = await Promise.all([
    currentRuleset(c.env.DB, program.id),
    c.env.DB.prepare(MEMBER_COUNTS_SQL).bind(member.id, "").first<MemberCounts>(),
  ]);
  const active = counts?.active ?? 0;
  const stacking = ruleset?.config.stacking_discount ?? null;
  return c.json({
    member_id: member.id,
    discount_percent: ruleset ? stackingDiscount(ruleset.config, active) : 0,
    active_referrals: active,
    stacking,
    rule_version: ruleset?.version ?? null,
  });
});

const DRAW_ALGORITHM =
  "sha256-48: entrants sorted by member_id own consecutive tickets; ticket = first 48 bits of SHA-256(seed) mod total_entries";

interface DrawRow {
  month: string;
  seed: string;
  entrants: string;
  total_entries: number;
  ticket: number;
  winner_member_id: string;
  created_at: number;
}

function drawView(row: DrawRow) {
  return {
    month: row.month,
    seed: row.seed,
    algorithm: DRAW_ALGORITHM,
    entrants: JSON.parse(row.entrants) as RaffleEntrant[],
    total_entries: row.total_entries,
    ticket: row.ticket,
    winner: { member_id: row.winner_member_id },
    created_at: new Date(row.created_at).toISOString(),
  };
}

/**
 * Entries count while their referral stands: not under an open fraud review, not rejected, not refunded,
 * still the member's (not re-attributed to another), and the member not suspended. (A lead's entries are
 * only written once it is qualified; see the rewards engine.)
 */
const RAFFLE_ENTRY_COUNTS = `NOT EXISTS (SELECT 1 FROM reviews v WHERE v.referral_id = raffle_entries.referral_id AND v.status = 'open')
  AND EXISTS (SELECT 1 FROM referrals f WHERE f.id = raffle_entries.referral_id
    AND f.member_id = raffle_entries.member_id AND f.rejected_at IS NULL AND f.status != 'refunded')
  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = raffle_entries.member_id AND m.suspended_at IS NOT NULL)`;

async function raffleEntrants(db: D1Database, programId: string, month: string): Promise<RaffleEntrant[]> {
  const { results } = await db
    .prepare(
      `SELECT member_id, SUM(entries) AS entries FROM raffle_entries WHERE program_id = ? AND month = ?
         AND ${RAFFLE_ENTRY_COUNTS}
       GROUP BY member_id ORDER BY member_id`,
    )
    .bind(programId, month)
    .all<RaffleEntrant>();
  return results;
}

/** `/v1/raffle`: monthly entries and draws with a recorded seed. */
export const raffleRoutes = router();

/** A page of entrants by member id; `total_entries` counts the whole month. */
raffleRoutes.get("/entries", async (c) => {
  const q = readQuery(c, raffleEntriesQuery);
  const month = q.month ?? monthOf(Date.now());
  const db = c.env.DB;
  const programId = c.get("program").id;
  const [pageRes, totalRes] = await db.batch([
    db
      .prepare(
        `SELECT member_id, SUM(entries) AS entries FROM raffle_entries
         WHERE program_id = ? AND month = ? AND member_id > ? AND ${RAFFLE_ENTRY_COUNTS}
         GROUP BY member_id ORDER BY member_id LIMIT ?`,
      )
      .bind(programId, month, pageAfter(q.cursor), q.limit + 1),
    db
      .prepare(
        `SELECT COALESCE(SUM(entries), 0) AS total FROM raffle_entries WHERE program_id = ? AND month = ?
           AND ${RAFFLE_ENTRY_COUNTS}`,
      )
      .bind(programId, month),
  ]);
  const { page, next_cursor } = pageOf((pageRes?.results ?? []) as RaffleEntrant[], q.limit, (e) => e.member_id);
  const total = (totalRes?.results[0] as { total: number } | undefined)?.total ?? 0;
  return c.json({ month, total_entries: total, entrants: page, next_cursor });
});

/**
 * Draws a month once. The entrant list is frozen into the draw, so draw after the month ends; the seed
 * can be a public value chosen in advance (a lottery result) so nobody, us included, can pick the winner.
 */
raffleRoutes.post("/draws", async (c) => {
  const program = c.get("program");
  const input = await readBody(c, drawSchema);
  const db = c.env.DB;
  const existing = await db
    .prepare("SELECT * FROM raffle_draws WHERE program_id = ? AND month = ?")
    .bind(program.id, input.month)
    .first<DrawRow>();
  if (existing) throw new ApiError("raffle_already_drawn", `${input.month} was already drawn.`, drawView(existing));
  const entrants = await raffleEntrants(db, program.id, input.month);
  const seed = input.seed ?? randomToken(16);
  const result = await drawRaffle(seed, entrants);
  if (!result.winner) throw new ApiError("raffle_no_entries", `Nobody has raffle entries for ${input.month}.`);
  const row: DrawRow = {
    month: input.month,
    seed,
    entrants: JSON.stringify(result.entrants),
    total_entries: result.total,
    ticket: result.ticket,
    winner_member_id: result.winner,
    created_at: Date.now(),
  };
  try {
    await db
      .prepare(
        `INSERT INTO raffle_draws (program_id, month, seed, entrants, total_entries, ticket, winner_member_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        program.id,
        row.month,
        row.seed,
        row.entrants,
        row.total_entries,
        row.ticket,
        row.winner_member_id,
        row.created_at,
      )
      .run();
  } catch (err) {
    if (!String((err as Error).message).includes("constraint failed")) throw err;
    throw new ApiError("raffle_already_drawn", `${input.month} was drawn by another request just now.`);
  }
  return c.json({ draw: drawView(row) }, 201);
});

/** The recorded draw, re-run from its seed and entrants: `verified` is true when it gives the same winner. */
raffleRoutes.get("/draws/:month", async (c) => {
  const program = c.get("program");
  const month = c.req.param("month");
  const row = await c.env.DB.prepare("SELECT * FROM raffle_draws WHERE program_id = ? AND month = ?")
    .bind(program.id, month)
    .first<DrawRow>();
  if (!row) throw new ApiError("draw_not_found", `${month} has not been drawn.`);
  const view = drawView(row);
  const rerun = await drawRaffle(view.seed, view.entrants);
  return c.json({ draw: view, verified: rerun.winner === row.winner_member_id && rerun.ticket === row.ticket });
});

/** `GET /v1/leaderboard?month=`: members by successful referrals (conversions that month, refunds left out). */
export const leaderboardRoutes = router();

leaderboardRoutes.get("/", async (c) => {
  const program = c.get("program");
  const q = readQuery(c, leaderboardQuery);
  const month = q.month ?? monthOf(Date.now());
  const { from, to } = monthRange(month);
  const { results } = await c.env.DB.prepare(
    `SELECT r.member_id, m.name, m.code, COUNT(*) AS successful_referrals, MIN(e.created_at) AS first_at
     FROM events e JOIN referrals r ON r.id = e.referral_id JOIN members m ON m.id = r.member_id
     WHERE e.program_id = ? AND e.created_at >= ? AND e.created_at < ? AND e.to_status = 'converted'
       AND r.status != 'refunded'
     GROUP BY r.member_id ORDER BY successful_referrals DESC, first_at ASC LIMIT ?`,
  )
    .bind(program.id, from, to, q.limit)
    .all<{ member_id: string; name: string | null; code: string; successful_referrals: number }>();
  return c.json({
    month,
    data: results.map((r, i) => ({
      rank: i + 1,
      member_id: r.member_id,
      name: r.name,
      code: r.code,
      successful_referrals: r.successful_referrals,
    })),
  });
});
