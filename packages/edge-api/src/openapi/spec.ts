import { z } from "zod";
import { summaryQuery } from "../analytics/schema";
import { createKeySchema } from "../keys/schema";
import { ERROR_STATUS } from "../lib/errors";
import { pageQuery } from "../lib/pagination";
import { enrolSchema, listMembersQuery, serverEnrolSchema, updateMemberSchema } from "../members/schema";
import { updateProgramSchema } from "../programs/schema";
import { conversionSchema, listReferralsQuery, updateReferralSchema } from "../referrals/schema";
import {
  approveSchema,
  drawSchema,
  exportQuery,
  leaderboardQuery,
  listRewardsQuery,
  paySchema,
  putRulesetSchema,
  raffleEntriesQuery,
  voidSchema,
} from "../rewards/schema";
import { leadSchema, shareSchema, visitSchema } from "../tracking/schema";

type Auth = "publishable" | "secret" | "none";

interface RouteDoc {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  auth: Auth;
  body?: z.ZodType;
  query?: z.ZodType;
  idempotent?: boolean;
  tag: string;
}

/** One entry per route, built from the same zod schemas the handlers validate with. */
export const ROUTES: RouteDoc[] = [
  { method: "get", path: "/health", summary: "Liveness check", auth: "none", tag: "meta" },
  {
    method: "get",
    path: "/r/{code}",
    summary: "Short link: 302 to the landing page with ?via=CODE",
    auth: "none",
    tag: "tracking",
  },
  {
    method: "post",
    path: "/v1/track/visit",
    summary: "Record a referral visit; returns a click id",
    auth: "publishable",
    body: visitSchema,
    tag: "tracking",
  },
  {
    method: "post",
    path: "/v1/track/share",
    summary: "Record a share by the member",
    auth: "publishable",
    body: shareSchema,
    tag: "tracking",
  },
  {
    method: "post",
    path: "/v1/track/lead",
    summary: "Record a lead (sign-up form or refer-a-peer form)",
    auth: "publishable",
    body: leadSchema,
    tag: "tracking",
  },
  {
    method: "post",
    path: "/v1/members/me",
    summary: "Enrol or fetch the member from the host's signed identity",
    auth: "publishable",
    body: enrolSchema,
    tag: "members",
  },
  { method: "get", path: "/v1/program", summary: "The program this key belongs to", auth: "secret", tag: "programs" },
  {
    method: "patch",
    path: "/v1/program",
    summary: "Change program settings",
    auth: "secret",
    body: updateProgramSchema,
    tag: "programs",
  },
  {
    method: "get",
    path: "/v1/api-keys",
    summary: "List API keys (prefixes only), oldest first",
    auth: "secret",
    query: pageQuery,
    tag: "keys",
  },
  {
    method: "post",
    path: "/v1/api-keys",
    summary: "Create a key (shown once): the first half of a rotation",
    auth: "secret",
    body: createKeySchema,
    tag: "keys",
  },
  { method: "delete", path: "/v1/api-keys/{id}", summary: "Revoke a key", auth: "secret", tag: "keys" },
  {
    method: "get",
    path: "/v1/members",
    summary: "List members",
    auth: "secret",
    query: listMembersQuery,
    tag: "members",
  },
  {
    method: "post",
    path: "/v1/members",
    summary: "Enrol a member from your server, optionally with a custom code",
    auth: "secret",
    body: serverEnrolSchema,
    tag: "members",
  },
  { method: "get", path: "/v1/members/{id}", summary: "One member with counts", auth: "secret", tag: "members" },
  {
    method: "patch",
    path: "/v1/members/{id}",
    summary: "Change a member's code or profile",
    auth: "secret",
    body: updateMemberSchema,
    tag: "members",
  },
  {
    method: "get",
    path: "/v1/referrals",
    summary: "List referrals",
    auth: "secret",
    query: listReferralsQuery,
    tag: "referrals",
  },
  {
    method: "get",
    path: "/v1/referrals/{id}",
    summary: "One referral with its status history",
    auth: "secret",
    tag: "referrals",
  },
  {
    method: "patch",
    path: "/v1/referrals/{id}",
    summary: "Move a referral to a new status",
    auth: "secret",
    body: updateReferralSchema,
    idempotent: true,
    tag: "referrals",
  },
  {
    method: "post",
    path: "/v1/conversions",
    summary: "Record a qualified lead or a conversion",
    auth: "secret",
    body: conversionSchema,
    idempotent: true,
    tag: "referrals",
  },
  {
    method: "get",
    path: "/v1/analytics/summary",
    summary: "Visits, shares, leads, conversions and rates",
    auth: "secret",
    query: summaryQuery,
    tag: "analytics",
  },
  {
    method: "get",
    path: "/v1/reward-rules",
    summary: "The program's current reward rules (version 0 when none are set)",
    auth: "secret",
    tag: "rewards",
  },
  {
    method: "put",
    path: "/v1/reward-rules",
    summary: "Save the reward rules as a new version; rewards already earned keep theirs",
    auth: "secret",
    body: putRulesetSchema,
    tag: "rewards",
  },
  { method: "get", path: "/v1/reward-rules/versions", summary: "Every saved version", auth: "secret", tag: "rewards" },
  {
    method: "get",
    path: "/v1/reward-rules/versions/{version}",
    summary: "One saved version",
    auth: "secret",
    tag: "rewards",
  },
  {
    method: "get",
    path: "/v1/rewards",
    summary: "List ledger entries, newest first, with filters",
    auth: "secret",
    query: listRewardsQuery,
    tag: "rewards",
  },
  {
    method: "get",
    path: "/v1/rewards/export.csv",
    summary: "Approved rewards as CSV for a payout run",
    auth: "secret",
    query: exportQuery,
    tag: "rewards",
  },
  {
    method: "post",
    path: "/v1/rewards/approve",
    summary: "Approve pending rewards whose hold has ended; others are reported as skipped",
    auth: "secret",
    body: approveSchema,
    tag: "rewards",
  },
  {
    method: "post",
    path: "/v1/rewards/pay",
    summary: "Mark approved rewards paid under one payout reference",
    auth: "secret",
    body: paySchema,
    idempotent: true,
    tag: "rewards",
  },
  { method: "get", path: "/v1/rewards/{id}", summary: "One ledger entry", auth: "secret", tag: "rewards" },
  {
    method: "post",
    path: "/v1/rewards/{id}/approve",
    summary: "Approve one reward",
    auth: "secret",
    tag: "rewards",
  },
  {
    method: "post",
    path: "/v1/rewards/{id}/void",
    summary: "Void a pending or approved reward with a reason",
    auth: "secret",
    body: voidSchema,
    tag: "rewards",
  },
  {
    method: "get",
    path: "/v1/members/{id}/discount",
    summary: "The member's stacking discount, for your billing",
    auth: "secret",
    tag: "rewards",
  },
  {
    method: "get",
    path: "/v1/raffle/entries",
    summary: "Raffle entries per member for a month, paged by member id",
    auth: "secret",
    query: raffleEntriesQuery,
    tag: "rewards",
  },
  {
    method: "post",
    path: "/v1/raffle/draws",
    summary: "Draw a month's raffle with a recorded seed",
    auth: "secret",
    body: drawSchema,
    tag: "rewards",
  },
  {
    method: "get",
    path: "/v1/raffle/draws/{month}",
    summary: "A recorded draw, re-run to verify the winner",
    auth: "secret",
    tag: "rewards",
  },
  {
    method: "get",
    path: "/v1/leaderboard",
    summary: "Members by successful referrals in a month",
    auth: "secret",
    query: leaderboardQuery,
    tag: "rewards",
  },
];

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: Object.keys(ERROR_STATUS) },
        message: { type: "string" },
        details: {},
      },
    },
  },
};

function jsonSchema(schema: z.ZodType, io: "input" | "output" = "input") {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

function queryParameters(schema: z.ZodType) {
  const js = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: "query",
    required: js.required?.includes(name) ?? false,
    schema: s,
  }));
}

export function buildOpenApi(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const parameters: unknown[] = [];
    for (const m of r.path.matchAll(/\{(\w+)\}/g)) {
      parameters.push({ name: m[1], in: "path", required: true, schema: { type: "string" } });
    }
    if (r.query) parameters.push(...queryParameters(r.query));
    if (r.idempotent) {
      parameters.push({
        name: "Idempotency-Key",
        in: "header",
        required: false,
        description: "A replay with the same key returns the first result.",
        schema: { type: "string", maxLength: 255 },
      });
    }
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${r.path
        .replace(/[{}]/g, "")
        .replace(/\/(\w)/g, (_, ch: string) => ch.toUpperCase())
        .replace(/[^A-Za-z0-9]/g, "")}`,
      security: r.auth === "none" ? [] : r.auth === "secret" ? [{ secretKey: [] }] : [{ publishableKey: [] }],
      responses: {
        "2XX": { description: "Success", content: { "application/json": { schema: { type: "object" } } } },
        default: {
          description: "Error",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    };
    if (parameters.length) op.parameters = parameters;
    if (r.body) {
      op.requestBody = { required: true, content: { "application/json": { schema: jsonSchema(r.body) } } };
    }
    paths[r.path] = { ...paths[r.path], [r.method]: op };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Vouch API",
      version: "1.0.0",
      description: "Referral programs for B2B SaaS. Errors are `{ error: { code, message, details } }`.",
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        secretKey: { type: "http", scheme: "bearer", description: "vch_sk_… — server only" },
        publishableKey: {
          type: "apiKey",
          in: "header",
          name: "X-Vouch-Key",
          description: "vch_pk_… — browser, allowed origins only",
        },
      },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}
