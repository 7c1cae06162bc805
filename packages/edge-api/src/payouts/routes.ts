import { z } from "zod";
import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { runIdempotent } from "../lib/idempotency";
import { defineListRoute, defineRoute } from "../lib/openapi";
import { pageQuery } from "../lib/pagination";
import { listPage } from "../lib/program-rows";
import { getMember } from "../members/service";
import { isPayoutRace } from "../rewards/ledger";
import { PAYOUT_METHODS } from "./providers/types";
import {
  cancelPayout,
  confirmPayout,
  dispatchDuePayouts,
  getPayout,
  type PayoutRow,
  payoutView,
  planPayoutRun,
} from "./service";
import {
  checkMemberMethod,
  memberPayoutMethodSchema,
  payoutSettingsPatchSchema,
  payoutSettingsSchema,
  readMemberMethod,
  readPayoutSettings,
  saveMemberMethod,
  updatePayoutSettings,
} from "./settings";

/** `/v1/payouts`: the program's payout settings, payout runs, and each payout's life. */
export const payoutRoutes = router();
/** `/v1/members/{id}/payout-method`: how a member is paid, set by the vendor's server (members set it in the portal). */
export const memberPayoutRoutes = router();

const T = "2026-12-01T09:00:00.000Z";
const currency = z.string().regex(/^[A-Z]{3}$/);

const payoutSchema = z
  .object({
    id: z.string(),
    run_id: z.string().nullable(),
    member_id: z.string().nullable(),
    reference: z.string(),
    method: z.enum(PAYOUT_METHODS),
    currency: z.string().nullable(),
    amount: z.number().int().nullable().meta({ description: "Minor units: the sum of its rewards, net of clawbacks." }),
    state: z.enum(["queued", "sending", "processing", "paid", "failed"]).meta({
      description:
        "queued → sending → processing (the provider took it) → paid (the provider confirmed: its rewards are paid) or failed (its rewards go back to approved for the next run).",
    }),
    recipient_email: z.string().nullable(),
    reward_count: z.number().int(),
    provider_id: z.string().nullable().meta({
      description: "PayPal payout_batch_id, Tremendous order id or Wise transfer id.",
    }),
    provider_status: z.string().nullable(),
    attempts: z.number().int(),
    failure_code: z.string().nullable(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    paid_at: z.string().nullable(),
  })
  .meta({ id: "Payout" });

const payoutExample = {
  id: "pay_4Kw6Lq2Xp8Zn3Vb7",
  run_id: "run_8Zp2Lq4Xn7Vb3Kw9",
  member_id: "mem_2Zp8Lq4Xn7Vb3Kw9",
  reference: "run_8Zp2Lq4Xn7Vb3Kw9",
  method: "paypal" as const,
  currency: "USD",
  amount: 15_000,
  state: "processing" as const,
  recipient_email: "dana@northwind.example",
  reward_count: 2,
  provider_id: "5UXD2E8A7EBQJ",
  provider_status: "PENDING",
  attempts: 1,
  failure_code: null,
  last_error: null,
  created_at: T,
  paid_at: null,
};

const waitingSchema = z.object({
  member_id: z.string(),
  currency: z.string(),
  amount: z.number().int(),
  reason: z.enum([
    "no_method",
    "manual",
    "method_not_offered",
    "method_not_selected",
    "member_suspended",
    "nothing_to_pay",
    "below_minimum",
    "yearly_limit",
    "run_full",
  ]),
  limit: z.number().int().optional(),
});

const runBody = z
  .object({
    currency: currency.optional(),
    member_ids: z.array(z.string().max(64)).min(1).max(1000).optional(),
    methods: z.array(z.enum(PAYOUT_METHODS)).min(1).optional(),
    minimum_amount: z.number().int().min(1).optional().meta({
      description: "Minor units; raises (never lowers) the program's own minimum for this run.",
    }),
  })
  .strict();

const runResponse = z.object({
  run: z.object({
    id: z.string(),
    created_at: z.string(),
    payout_count: z.number().int(),
    totals: z.record(z.string(), z.number().int()),
    filters: runBody,
  }),
  payouts: z.array(payoutSchema),
  waiting: z.array(waitingSchema).meta({
    description:
      "Members whose approved rewards were not paid by this run, and why: no method chosen, manual (pay from the CSV export), below the minimum, over the yearly limit …",
  }),
});

defineRoute(
  payoutRoutes,
  {
    method: "get",
    path: "/settings",
    operationId: "getPayoutSettings",
    tag: "payouts",
    summary: "What the program pays by, and its limits",
    auth: "secret",
    responses: {
      200: {
        description: "The settings (defaults when never set: manual only, no minimum, no limit).",
        schema: z.object({ settings: payoutSettingsSchema }),
        example: {
          settings: {
            methods: ["paypal", "manual"],
            minimum_amounts: { USD: 5_000 },
            yearly_limits: { USD: 60_000 },
            tremendous: { products: [], campaign_id: null },
          },
        },
      },
    },
    errors: [],
  },
  async (c) => c.json({ settings: await readPayoutSettings(c.env.DB, c.get("program").id) }),
);

defineRoute(
  payoutRoutes,
  {
    method: "patch",
    path: "/settings",
    operationId: "updatePayoutSettings",
    tag: "payouts",
    summary: "Change what the program pays by, and its limits",
    description:
      "`methods` are what members may choose in their portal. `minimum_amounts` (per currency, minor units): a member's rewards wait until they add up to it. `yearly_limits`: the most paid to one member per calendar year (UTC), e.g. to stay under a tax-reporting threshold; the portal tells members what waits and why.",
    auth: "secret",
    body: payoutSettingsPatchSchema,
    bodyExample: { methods: ["paypal", "tremendous", "manual"], minimum_amounts: { USD: 5_000 } },
    responses: {
      200: {
        description: "The settings now.",
        schema: z.object({ settings: payoutSettingsSchema }),
        example: {
          settings: {
            methods: ["paypal", "tremendous", "manual"],
            minimum_amounts: { USD: 5_000 },
            yearly_limits: {},
            tremendous: { products: ["OKMHM2X2OHYV"], campaign_id: null },
          },
        },
      },
    },
    errors: [],
  },
  async (c, { body }) =>
    c.json({ settings: await updatePayoutSettings(c.env.DB, c.get("program").id, body, Date.now()) }),
);

defineRoute(
  payoutRoutes,
  {
    method: "post",
    path: "/runs",
    operationId: "createPayoutRun",
    tag: "payouts",
    summary: "Pay approved rewards through each member's chosen method",
    description:
      "Selects approved cash and gift-card rewards (optionally by currency, members, methods and a minimum), and creates one payout per member and currency, sent off the request through PayPal, Tremendous or Wise. A reward becomes `paid` only when the provider confirms its payout; a payout that fails gives its rewards back for the next run. Account-credit payouts wait for `POST /v1/payouts/{id}/confirm`. Members paid manually are listed in `waiting` (use the CSV export). Repeating a run pays nothing twice: its rewards are already taken; send an Idempotency-Key to get the first answer back.",
    auth: "secret",
    idempotent: true,
    body: runBody,
    bodyExample: { currency: "USD" },
    responses: {
      201: {
        description: "The run, its payouts and what waits.",
        schema: runResponse,
        example: {
          run: {
            id: "run_8Zp2Lq4Xn7Vb3Kw9",
            created_at: T,
            payout_count: 1,
            totals: { USD: 15_000 },
            filters: { currency: "USD" },
          },
          payouts: [
            { ...payoutExample, state: "queued" as const, provider_id: null, provider_status: null, attempts: 0 },
          ],
          waiting: [
            {
              member_id: "mem_7Xn2Lq9Zp4Vb8Kw3",
              currency: "USD",
              amount: 2_000,
              reason: "below_minimum",
              limit: 5_000,
            },
          ],
        },
      },
    },
    errors: ["conflict"],
  },
  async (c, { body }) => {
    let res: Response;
    try {
      res = await runIdempotent(c, (reader) =>
        planPayoutRun(c.env.DB, c.get("program").id, body, c.get("keyId") ?? null, reader),
      );
    } catch (err) {
      if (isPayoutRace(err)) throw new ApiError("conflict", "A reward changed during the run. Run it again.");
      throw err;
    }
    if ((c.env.WEBHOOK_DISPATCH as string) !== "manual") {
      c.executionCtx.waitUntil(dispatchDuePayouts(c.env, { now: Date.now() }).catch(() => 0));
    }
    return res;
  },
);

const listQuery = pageQuery.extend({
  state: z.enum(["queued", "sending", "processing", "paid", "failed"]).optional(),
  member_id: z.string().max(64).optional(),
  run_id: z.string().max(64).optional(),
});

defineListRoute(
  payoutRoutes,
  {
    path: "/",
    operationId: "listPayouts",
    tag: "payouts",
    summary: "List payouts, newest first",
    query: listQuery,
    item: payoutSchema,
    example: payoutExample,
  },
  (c, q) =>
    listPage<PayoutRow>(
      c.env.DB,
      { table: "payouts" },
      { program_id: c.get("program").id, state: q.state, member_id: q.member_id, run_id: q.run_id },
      q,
    ),
  payoutView,
);

const payoutParams = z.object({ id: z.string().max(64) });
const payoutResponse = {
  description: "The payout.",
  schema: z.object({ payout: payoutSchema }),
  example: { payout: payoutExample },
};

defineRoute(
  payoutRoutes,
  {
    method: "get",
    path: "/{id}",
    operationId: "getPayout",
    tag: "payouts",
    summary: "One payout",
    auth: "secret",
    params: payoutParams,
    responses: { 200: payoutResponse },
    errors: ["payout_not_found"],
  },
  async (c, { params }) => c.json({ payout: payoutView(await getPayout(c.env.DB, c.get("program").id, params.id)) }),
);

defineRoute(
  payoutRoutes,
  {
    method: "post",
    path: "/{id}/confirm",
    operationId: "confirmPayout",
    tag: "payouts",
    summary: "Confirm an account-credit payout you applied",
    description:
      "For members paid in account credit: your server applied the credit (on the `reward.approved` webhook or from this payout) and says so; the payout and its rewards become paid. Confirming twice is harmless.",
    auth: "secret",
    params: payoutParams,
    responses: { 200: payoutResponse },
    errors: ["payout_not_found", "invalid_payout_state"],
  },
  async (c, { params }) =>
    c.json({ payout: payoutView(await confirmPayout(c.env.DB, c.get("program").id, params.id, Date.now())) }),
);

defineRoute(
  payoutRoutes,
  {
    method: "post",
    path: "/{id}/cancel",
    operationId: "cancelPayout",
    tag: "payouts",
    summary: "Cancel a payout nobody sent yet",
    description:
      "A queued payout, or an account-credit payout not yet confirmed: it fails as `canceled` and its rewards go back to approved.",
    auth: "secret",
    params: payoutParams,
    responses: { 200: payoutResponse },
    errors: ["payout_not_found", "invalid_payout_state"],
  },
  async (c, { params }) =>
    c.json({ payout: payoutView(await cancelPayout(c.env.DB, c.get("program").id, params.id, Date.now())) }),
);

const methodView = z.object({
  payout_method: z
    .object({ method: z.enum(PAYOUT_METHODS), email: z.string().nullable(), updated_at: z.string() })
    .nullable(),
});

defineRoute(
  memberPayoutRoutes,
  {
    method: "get",
    path: "/{id}/payout-method",
    operationId: "getMemberPayoutMethod",
    tag: "payouts",
    summary: "How a member is paid",
    auth: "secret",
    params: payoutParams,
    responses: {
      200: {
        description: "The member's method, or null when they have not chosen one.",
        schema: methodView,
        example: { payout_method: { method: "paypal" as const, email: "dana@northwind.example", updated_at: T } },
      },
    },
    errors: ["member_not_found"],
  },
  async (c, { params }) => {
    const member = await getMember(c.env.DB, c.get("program").id, params.id);
    const m = await readMemberMethod(c.env.DB, member.id);
    return c.json({ payout_method: m ? { ...m, updated_at: new Date(m.updated_at).toISOString() } : null });
  },
);

defineRoute(
  memberPayoutRoutes,
  {
    method: "put",
    path: "/{id}/payout-method",
    operationId: "setMemberPayoutMethod",
    tag: "payouts",
    summary: "Set how a member is paid",
    description:
      "One of the program's `methods`. PayPal, Tremendous and Wise pay to `email` (the member's own address when left out).",
    auth: "secret",
    params: payoutParams,
    body: memberPayoutMethodSchema,
    bodyExample: { method: "paypal", email: "dana@northwind.example" },
    responses: {
      200: {
        description: "The member's method now.",
        schema: methodView,
        example: { payout_method: { method: "paypal" as const, email: "dana@northwind.example", updated_at: T } },
      },
    },
    errors: ["member_not_found", "payout_method_not_offered"],
  },
  async (c, { params, body }) => {
    const program = c.get("program");
    const member = await getMember(c.env.DB, program.id, params.id);
    const settings = await readPayoutSettings(c.env.DB, program.id);
    const chosen = checkMemberMethod(settings, body, member.email);
    const now = Date.now();
    await saveMemberMethod(c.env.DB, program.id, member.id, chosen, now);
    return c.json({
      payout_method: {
        method: chosen.method,
        email: chosen.details.email ?? null,
        updated_at: new Date(now).toISOString(),
      },
    });
  },
);
