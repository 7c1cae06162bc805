import { z } from "zod";
import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { runIdempotent } from "../lib/idempotency";
import { defineListRoute, defineRoute, jsonResponse } from "../lib/openapi";
import { rewardExample } from "../openapi/examples";
import { approvedRewardsCsv } from "./export";
import {
  approveReward,
  approveRewards,
  getReward,
  isPayoutRace,
  listRewards,
  planPayout,
  promoteDue,
  rewardView,
  voidReward,
} from "./ledger";
import {
  approveResponseSchema,
  approveSchema,
  exportQuery,
  listRewardsQuery,
  payoutResponseSchema,
  paySchema,
  rewardParams,
  rewardResponseSchema,
  rewardViewSchema,
  voidSchema,
} from "./schema";

/** `/v1/rewards`: the ledger. List, approve, pay, void, export for a payout run. */
export const rewardRoutes = router();

const rewardResponse = jsonResponse("The reward.", rewardResponseSchema, { reward: rewardExample });

defineListRoute(
  rewardRoutes,
  {
    path: "/",
    operationId: "listRewards",
    tag: "rewards",
    summary: "List ledger entries, newest first, with filters",
    query: listRewardsQuery,
    item: rewardViewSchema,
    example: rewardExample,
  },
  (c, query) => listRewards(c.env.DB, c.get("program").id, query),
  rewardView,
);

/** Approved rewards as CSV, oldest approval first: the input of a payout run (then `POST /v1/rewards/pay`). */
defineRoute(
  rewardRoutes,
  {
    method: "get",
    path: "/export.csv",
    operationId: "exportApprovedRewards",
    tag: "rewards",
    summary: "Approved rewards as CSV for a payout run",
    description:
      "Every approved reward, oldest approval first, with who to pay; then mark them paid with `POST /v1/rewards/pay`. Cells a spreadsheet would run as a formula are quoted as text.",
    auth: "secret",
    query: exportQuery,
    responses: {
      200: {
        description: "CSV, one reward per line.",
        content: {
          "text/csv": {
            schema: z.string(),
            example:
              "reward_id,recipient,payee_email,payee_name,member_id,member_external_id,referral_id,kind,amount,amount_minor,currency,description,rule_id,rule_version,approved_at,payee_email_verified,clawback_of\r\nrwd_2Zp8Lq4Xn7Vb3Kw9,member,dana@northwind.com,Dana Scully,mem_8fKq2xLp9Xz3Vb6T,user_4821,ref_5Tn2Qw8Lp3Xz7Vb4,account_credit,100.00,10000,USD,,member-reward,1,2026-01-19T09:00:00.000Z,true,\r\n",
          },
        },
      },
    },
    errors: [],
  },
  async (c, { query }) => {
    const program = c.get("program");
    await promoteDue(c.env.DB, Date.now(), program.id);
    return c.body(approvedRewardsCsv(c.env.DB, program.id, query), 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="vouch-approved-rewards-${new Date().toISOString().slice(0, 10)}.csv"`,
    });
  },
);

defineRoute(
  rewardRoutes,
  {
    method: "post",
    path: "/approve",
    operationId: "approveRewards",
    tag: "rewards",
    summary: "Approve pending rewards whose hold has ended; others are reported as skipped",
    auth: "secret",
    body: approveSchema,
    bodyExample: { ids: ["rwd_2Zp8Lq4Xn7Vb3Kw9", "rwd_7Xn2Lq9Zp4Vb8Kw3"] },
    responses: {
      200: {
        description: "What was approved, and why the rest was not.",
        schema: approveResponseSchema,
        example: { approved: [rewardExample], skipped: [{ id: "rwd_7Xn2Lq9Zp4Vb8Kw3", reason: "on_hold" }] },
      },
    },
    errors: [],
  },
  async (c, { body }) => {
    const { approved, skipped } = await approveRewards(c.env.DB, c.get("program").id, body.ids, Date.now());
    return c.json({ approved: approved.map(rewardView), skipped });
  },
);

/** Marks approved rewards paid under one payout. Send an `Idempotency-Key` so a retried payout run is a no-op. */
defineRoute(
  rewardRoutes,
  {
    method: "post",
    path: "/pay",
    operationId: "payRewards",
    tag: "rewards",
    summary: "Mark approved rewards paid under one payout reference",
    description:
      "After you paid them (from the CSV export): the approved ones among `ids` become paid under one payout; the rest are reported as skipped. Send an Idempotency-Key so a retried payout run is a no-op.",
    auth: "secret",
    idempotent: true,
    body: paySchema,
    bodyExample: { ids: ["rwd_2Zp8Lq4Xn7Vb3Kw9"], payout_reference: "bank-transfer-2026-02-01" },
    responses: {
      201: {
        description: "The payout, what it paid and what it skipped.",
        schema: payoutResponseSchema,
        example: {
          payout: {
            id: "pay_4Kw6Lq2Xp8Zn3Vb7",
            reference: "bank-transfer-2026-02-01",
            reward_count: 1,
            totals: { USD: 10_000 },
          },
          paid: [
            { ...rewardExample, state: "paid", paid_at: "2026-02-01T12:00:00.000Z", payout_id: "pay_4Kw6Lq2Xp8Zn3Vb7" },
          ],
          skipped: [],
        },
      },
    },
    errors: ["invalid_reward_state"],
  },
  async (c, { body }) => {
    try {
      return await runIdempotent(c, (reader) => planPayout(c.env.DB, c.get("program").id, body, reader));
    } catch (err) {
      if (isPayoutRace(err)) {
        throw new ApiError("conflict", "A reward changed state during the payout. Retry the request.");
      }
      throw err;
    }
  },
);

defineRoute(
  rewardRoutes,
  {
    method: "get",
    path: "/{id}",
    operationId: "getReward",
    tag: "rewards",
    summary: "One ledger entry",
    auth: "secret",
    params: rewardParams,
    responses: { 200: rewardResponse },
    errors: ["reward_not_found"],
  },
  async (c, { params }) => {
    const program = c.get("program");
    await promoteDue(c.env.DB, Date.now(), program.id);
    return c.json({ reward: rewardView(await getReward(c.env.DB, program.id, params.id)) });
  },
);

defineRoute(
  rewardRoutes,
  {
    method: "post",
    path: "/{id}/approve",
    operationId: "approveReward",
    tag: "rewards",
    summary: "Approve one reward",
    auth: "secret",
    params: rewardParams,
    responses: { 200: { ...rewardResponse, description: "The approved reward." } },
    errors: ["reward_not_found", "reward_on_hold", "invalid_reward_state"],
  },
  async (c, { params }) => {
    const row = await approveReward(c.env.DB, c.get("program").id, params.id, Date.now());
    return c.json({ reward: rewardView(row) });
  },
);

/** Voids a pending or approved reward by hand, with a reason. A paid reward stays paid. */
defineRoute(
  rewardRoutes,
  {
    method: "post",
    path: "/{id}/void",
    operationId: "voidReward",
    tag: "rewards",
    summary: "Void a pending or approved reward with a reason",
    description: "A paid reward stays paid; one in a payout on its way waits for that payout's outcome.",
    auth: "secret",
    params: rewardParams,
    body: voidSchema,
    bodyExample: { reason: "Duplicate account." },
    responses: {
      200: {
        ...rewardResponse,
        description: "The voided reward.",
        example: {
          reward: {
            ...rewardExample,
            state: "voided",
            voided_at: "2026-01-20T10:00:00.000Z",
            void_reason: "Duplicate account.",
          },
        },
      },
    },
    errors: ["reward_not_found", "invalid_reward_state", "reward_in_payout"],
  },
  async (c, { params, body }) => {
    const row = await voidReward(c.env.DB, c.get("program").id, params.id, body.reason);
    return c.json({ reward: rewardView(row) });
  },
);
