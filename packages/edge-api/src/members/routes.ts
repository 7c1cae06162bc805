import { withVariantMessage } from "../experiments/service";
import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { defineListRoute, defineRoute, jsonResponse } from "../lib/openapi";
import { iso } from "../lib/time";
import { takePendingNudge } from "../moments/service";
import { memberExample, memberRewardsExample, serverMemberExample, statsExample } from "../openapi/examples";
import { DEFAULT_LINK_HOURS, mintAccessToken } from "../portal/access-token";
import { hostedPageUrl } from "../program-page/url";
import type { Program } from "../programs/service";
import { memberDiscount, memberRewardsView, readMemberRewards } from "../rewards/member-view";
import { programWarnings, withEffectiveOffer } from "../rewards/offer";
import { memberDiscountSchema } from "../rewards/schema";
import { requestVisitorHash } from "../tracking/visitor";
import { type IdentityClaims, issueMemberToken, verifyJwt, verifySignature } from "./identity";
import {
  accessLinkResponseSchema,
  accessLinkSchema,
  enrolSchema,
  listMembersQuery,
  type MeResponse,
  memberDetailSchema,
  memberParams,
  memberResponseSchema,
  meResponseSchema,
  serverEnrolSchema,
  serverMemberSchema,
  suspendSchema,
  unsuspendSchema,
  updateMemberSchema,
} from "./schema";
import {
  enrolMember,
  enrolWithCode,
  getMember,
  listMembers,
  type MemberRow,
  memberStats,
  recentReferrals,
  renderMessage,
  setSuspended,
  toMemberView,
  toServerMemberView,
  updateMember,
} from "./service";

async function verifiedIdentity(program: Program, body: import("./schema").EnrolInput): Promise<IdentityClaims> {
  if (body.token) return verifyJwt(program, body.token);
  const member = body.member as IdentityClaims; // the schema guarantees member when there is no token
  if (body.signature) {
    await verifySignature(program, member.id, body.signature, body.timestamp, Date.now(), member.attributes);
    return member;
  }
  if (!program.testMode) {
    throw new ApiError(
      "signature_required",
      "Sign the member id with your identity secret on your server and pass it as `signature` (or pass a JWT as `token`).",
    );
  }
  return member;
}

export const memberBrowserRoutes = router();

/** One Click enrolment: the host's signed identity in, everything the widget shows out. */
defineRoute(
  memberBrowserRoutes,
  {
    method: "post",
    path: "/",
    operationId: "enrolMember",
    tag: "members",
    summary: "Enrol or fetch the member from the host's signed identity",
    description:
      "The widget calls this with the member your server signed: `member` plus `signature` (hex HMAC-SHA256 of `member.id` with the identity secret, optionally with a signed `timestamp`; with `member.attributes`, the attributes signature), or an HS256 JWT as `token`. Unsigned members are accepted in test mode only. The program's eligibility rules are evaluated here on the signed attributes (`eligible`). The answer is everything the widget shows, and a member token for its later calls.",
    auth: "publishable",
    body: enrolSchema,
    bodyExample: {
      member: { id: "user_4821", email: "dana@northwind.com", name: "Dana Scully", company: "Northwind" },
      signature: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    },
    responses: {
      200: {
        description: "The member, their link and message, counts, recent referrals and rewards.",
        schema: meResponseSchema,
        example: {
          member: memberExample,
          member_token: "mem_8fKq2xLp9Xz3Vb6T.1767646800.Zk3qLp9X",
          eligible: true,
          nudge: null,
          message:
            "Hi! I've been using Acme and think you'd like it too. Give $100, get $100. Sign up with my link: https://www.acme.com/?via=DANA7K2M",
          program: {
            name: "Acme",
            offer_text: "Give $100, get $100.",
            brand_color: "#4f46e5",
            program_page_url: "https://api.acme.com/p/acme",
            test_mode: false,
            warnings: [],
          },
          stats: statsExample,
          referrals: [
            {
              id: "ref_5Tn2Qw8Lp3Xz7Vb4",
              name: "Sam Lee",
              company: "Initech",
              status: "converted",
              created_at: "2026-01-05T09:00:00.000Z",
            },
          ],
          rewards: memberRewardsExample,
        },
      },
    },
    errors: ["invalid_signature", "signature_required", "code_taken", "conflict"],
  },
  async (c, { body }) => {
    const program = c.get("program");
    const identity = await verifiedIdentity(program, body);
    const visitorHash = await requestVisitorHash(program, c.req);
    const { row } = await enrolMember(c.env.DB, program, identity, { visitorHash });
    const apiOrigin = new URL(c.req.url).origin;
    const member = toMemberView(program, row, apiOrigin);
    const invitable = member.status === "active" && row.eligible !== 0;
    const [stats, referrals, memberToken, { view: rewards, ruleset, variant }, nudge] = await Promise.all([
      memberStats(c.env.DB, row.id),
      recentReferrals(c.env.DB, row.id),
      // A suspended member gets no token, so their widget cannot record shares or referrals.
      member.status === "active" ? issueMemberToken(program, row.id) : "",
      // Shown the program: a running experiment assigns the member's variant here (src/experiments).
      readMemberRewards(c.env.DB, program, row.id, Date.now(), { expose: true }),
      // A nudge a server moment left (src/moments), for a member the widget invites at all.
      invitable ? takePendingNudge(c.env.DB, program, row.id) : null,
    ]);
    // The offer is the rules in words unless the program overrides it; the rules came with the rewards read.
    const offered = withEffectiveOffer(program, ruleset);
    const response: MeResponse = {
      member,
      member_token: memberToken,
      message: renderMessage(withVariantMessage(offered, variant), member),
      eligible: row.eligible !== 0,
      nudge,
      program: {
        name: program.name,
        offer_text: offered.offerText,
        brand_color: program.brandColor,
        // The vendor's own page if they set one, else the hosted one (src/program-page).
        program_page_url: program.programPageUrl ?? hostedPageUrl(apiOrigin, program.slug),
        test_mode: program.testMode,
        // Only a test-mode program tells the widget what its owner should fix; members never see vendor config.
        warnings: program.testMode ? programWarnings(ruleset) : [],
      },
      stats,
      referrals,
      rewards,
    };
    return c.json(response);
  },
);

export const memberServerRoutes = router();

function serverView(c: { req: { url: string } }, program: Program, row: MemberRow) {
  return toServerMemberView(program, row, new URL(c.req.url).origin);
}

const memberResponse = jsonResponse("The member.", memberResponseSchema, { member: serverMemberExample });

defineListRoute(
  memberServerRoutes,
  {
    path: "/",
    operationId: "listMembers",
    tag: "members",
    summary: "List members, newest first",
    query: listMembersQuery,
    item: serverMemberSchema,
    example: serverMemberExample,
  },
  (c, query) => listMembers(c.env.DB, c.get("program").id, query),
  (row, c) => serverView(c, c.get("program"), row),
);

/** Server-side enrolment (e.g. at the member's sign-up), optionally with a custom code. */
defineRoute(
  memberServerRoutes,
  {
    method: "post",
    path: "/",
    operationId: "createMember",
    tag: "members",
    summary: "Enrol a member from your server, optionally with a custom code",
    description:
      "Creates the member, or returns the existing one (200) with any new profile fields saved. The profile comes from your server, so it counts as verified.",
    auth: "secret",
    body: serverEnrolSchema,
    bodyExample: {
      id: "user_4821",
      email: "dana@northwind.com",
      name: "Dana Scully",
      company: "Northwind",
      code: "DANA",
    },
    responses: { 200: memberResponse, 201: { ...memberResponse, description: "The new member." } },
    errors: ["code_taken", "conflict"],
  },
  async (c, { body }) => {
    const program = c.get("program");
    const { row, created } = await enrolWithCode(c.env.DB, program, body);
    return c.json({ member: serverView(c, program, row) }, created ? 201 : 200);
  },
);

defineRoute(
  memberServerRoutes,
  {
    method: "get",
    path: "/{id}",
    operationId: "getMember",
    tag: "members",
    summary: "One member with counts and rewards",
    auth: "secret",
    params: memberParams,
    responses: {
      200: {
        description: "The member, their counts and their rewards.",
        schema: memberDetailSchema,
        example: { member: serverMemberExample, stats: statsExample, rewards: memberRewardsExample },
      },
    },
    errors: ["member_not_found"],
  },
  async (c, { params }) => {
    const program = c.get("program");
    const row = await getMember(c.env.DB, program.id, params.id);
    const [stats, rewards] = await Promise.all([
      memberStats(c.env.DB, row.id),
      memberRewardsView(c.env.DB, program, row.id),
    ]);
    return c.json({ member: serverView(c, program, row), stats, rewards });
  },
);

defineRoute(
  memberServerRoutes,
  {
    method: "patch",
    path: "/{id}",
    operationId: "updateMember",
    tag: "members",
    summary: "Change a member's code or profile",
    description: "Only the fields sent change; `null` clears one. An email set here is verified.",
    auth: "secret",
    params: memberParams,
    body: updateMemberSchema,
    bodyExample: { code: "DANA-VIP", company: "Northwind Traders" },
    responses: { 200: memberResponse },
    errors: ["member_not_found", "code_taken"],
  },
  async (c, { params, body }) => {
    const program = c.get("program");
    const row = await updateMember(c.env.DB, program.id, params.id, body);
    return c.json({ member: serverView(c, program, row) });
  },
);

/** Suspends a member: their link records nothing new, they earn nothing, unpaid rewards wait. Audited. */
defineRoute(
  memberServerRoutes,
  {
    method: "post",
    path: "/{id}/suspend",
    operationId: "suspendMember",
    tag: "members",
    summary: "Suspend a member",
    description:
      "Their link records nothing new, their referrals earn nothing, and their unpaid rewards wait. Audited with the reason.",
    auth: "secret",
    params: memberParams,
    body: suspendSchema,
    bodyExample: { reason: "Posted the link on a coupon site." },
    responses: {
      200: {
        ...memberResponse,
        example: {
          member: {
            ...serverMemberExample,
            status: "suspended",
            suspended_at: "2026-01-20T10:00:00.000Z",
            suspended_reason: "Posted the link on a coupon site.",
          },
        },
      },
    },
    errors: ["member_not_found"],
  },
  async (c, { params, body }) => {
    const program = c.get("program");
    const row = await setSuspended(c.env.DB, program.id, params.id, { reason: body.reason, actor: c.get("keyId") });
    return c.json({ member: serverView(c, program, row) });
  },
);

defineRoute(
  memberServerRoutes,
  {
    method: "post",
    path: "/{id}/unsuspend",
    operationId: "unsuspendMember",
    tag: "members",
    summary: "Lift a member's suspension",
    auth: "secret",
    params: memberParams,
    body: unsuspendSchema,
    bodyExample: { reason: "Removed the post." },
    responses: { 200: memberResponse },
    errors: ["member_not_found"],
  },
  async (c, { params, body }) => {
    const program = c.get("program");
    const row = await setSuspended(c.env.DB, program.id, params.id, {
      reason: body.reason,
      actor: c.get("keyId"),
      lift: true,
    });
    return c.json({ member: serverView(c, program, row) });
  },
);

/** The stacking discount the host's server applies to the member's bill. */
defineRoute(
  memberServerRoutes,
  {
    method: "get",
    path: "/{id}/discount",
    operationId: "getMemberDiscount",
    tag: "members",
    summary: "The member's stacking discount, for your billing",
    description: "Percent off per referred customer who is still active, capped, from the current reward rules.",
    auth: "secret",
    params: memberParams,
    responses: {
      200: {
        description: "The discount and what it is computed from.",
        schema: memberDiscountSchema,
        example: {
          member_id: memberExample.id,
          discount_percent: 10,
          active_referrals: 2,
          stacking: { percent_per_referral: 5, max_percent: 25 },
          rule_version: 3,
        },
      },
    },
    errors: ["member_not_found"],
  },
  async (c, { params }) => c.json(await memberDiscount(c.env.DB, c.get("program").id, params.id)),
);

/**
 * One Click Access for the host's own emails: a signed link to the member's portal that works until it expires.
 * A suspended member's link opens a page that says the account is paused (src/portal).
 */
defineRoute(
  memberServerRoutes,
  {
    method: "post",
    path: "/{id}/access-link",
    operationId: "createMemberAccessLink",
    tag: "members",
    summary: "A One Click Access link to the member's portal, for your emails",
    description: `The link opens the member's portal (\`/p/<slug>/me\`: their link and code, share links, referrals, rewards) with no login. It is signed for this member, this program and the portal only, and stops working after \`expires_in_hours\` (default ${DEFAULT_LINK_HOURS}). Mint one per email; do not show it on a page others can see.`,
    auth: "secret",
    params: memberParams,
    body: accessLinkSchema,
    bodyExample: { expires_in_hours: 72 },
    responses: {
      200: jsonResponse("The link and when it expires.", accessLinkResponseSchema, {
        url: "https://api.acme.com/o/oca1.portal.prg_6Wm3Lq8Xp2Zn5Vb7.mem_8fKq2xLp9Xz3Vb6T.1767906000.Zk3qLp9XbR2c8mT1vY6wQ0sN4uH7eJ5aK9dF3gP2xL8",
        expires_at: "2026-01-08T21:00:00.000Z",
      }),
    },
    errors: ["member_not_found"],
  },
  async (c, { params, body }) => {
    const program = c.get("program");
    const row = await getMember(c.env.DB, program.id, params.id);
    // Whole seconds: the token carries its expiry in seconds.
    const expiresAt = Math.floor((Date.now() + body.expires_in_hours * 3600 * 1000) / 1000) * 1000;
    const token = await mintAccessToken(program, "portal", row.id, expiresAt);
    return c.json({ url: `${new URL(c.req.url).origin}/o/${token}`, expires_at: iso(expiresAt) });
  },
);
