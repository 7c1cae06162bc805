import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { readBody, readQuery } from "../lib/validate";
import type { Program } from "../programs/service";
import { memberDiscount, memberRewardsView, readMemberRewards } from "../rewards/member-view";
import { programWarnings, withEffectiveOffer } from "../rewards/offer";
import { requestVisitorHash } from "../tracking/visitor";
import { type IdentityClaims, issueMemberToken, verifyJwt, verifySignature } from "./identity";
import {
  enrolSchema,
  listMembersQuery,
  type MeResponse,
  serverEnrolSchema,
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
    await verifySignature(program, member.id, body.signature, body.timestamp);
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
memberBrowserRoutes.post("/", async (c) => {
  const program = c.get("program");
  const body = await readBody(c, enrolSchema);
  const identity = await verifiedIdentity(program, body);
  const visitorHash = await requestVisitorHash(program, c.req);
  const { row } = await enrolMember(c.env.DB, program, identity, { visitorHash });
  const member = toMemberView(program, row, new URL(c.req.url).origin);
  const [stats, referrals, memberToken, { view: rewards, ruleset }] = await Promise.all([
    memberStats(c.env.DB, row.id),
    recentReferrals(c.env.DB, row.id),
    // A suspended member gets no token, so their widget cannot record shares or referrals.
    member.status === "active" ? issueMemberToken(program, row.id) : "",
    readMemberRewards(c.env.DB, program, row.id),
  ]);
  // The offer is the rules in words unless the program overrides it; the rules came with the rewards read.
  const offered = withEffectiveOffer(program, ruleset);
  const response: MeResponse = {
    member,
    member_token: memberToken,
    message: renderMessage(offered, member),
    program: {
      name: program.name,
      offer_text: offered.offerText,
      brand_color: program.brandColor,
      program_page_url: program.programPageUrl,
      test_mode: program.testMode,
      // Only a test-mode program tells the widget what its owner should fix; members never see vendor config.
      warnings: program.testMode ? programWarnings(ruleset) : [],
    },
    stats,
    referrals,
    rewards,
  };
  return c.json(response);
});

export const memberServerRoutes = router();

function serverView(c: { req: { url: string } }, program: Program, row: MemberRow) {
  return toServerMemberView(program, row, new URL(c.req.url).origin);
}

memberServerRoutes.get("/", async (c) => {
  const program = c.get("program");
  const { page, next_cursor } = await listMembers(c.env.DB, program.id, readQuery(c, listMembersQuery));
  return c.json({ data: page.map((r) => serverView(c, program, r)), next_cursor });
});

/** Server-side enrolment (e.g. at the member's sign-up), optionally with a custom code. */
memberServerRoutes.post("/", async (c) => {
  const program = c.get("program");
  const { row, created } = await enrolWithCode(c.env.DB, program, await readBody(c, serverEnrolSchema));
  return c.json({ member: serverView(c, program, row) }, created ? 201 : 200);
});

memberServerRoutes.get("/:id", async (c) => {
  const program = c.get("program");
  const row = await getMember(c.env.DB, program.id, c.req.param("id"));
  const [stats, rewards] = await Promise.all([
    memberStats(c.env.DB, row.id),
    memberRewardsView(c.env.DB, program, row.id),
  ]);
  return c.json({ member: serverView(c, program, row), stats, rewards });
});

memberServerRoutes.patch("/:id", async (c) => {
  const program = c.get("program");
  const input = await readBody(c, updateMemberSchema);
  const row = await updateMember(c.env.DB, program.id, c.req.param("id"), input);
  return c.json({ member: serverView(c, program, row) });
});

/** Suspends a member: their link records nothing new, they earn nothing, unpaid rewards wait. Audited. */
memberServerRoutes.post("/:id/suspend", async (c) => {
  const program = c.get("program");
  const { reason } = await readBody(c, suspendSchema);
  const row = await setSuspended(c.env.DB, program.id, c.req.param("id"), { reason, actor: c.get("keyId") });
  return c.json({ member: serverView(c, program, row) });
});

memberServerRoutes.post("/:id/unsuspend", async (c) => {
  const program = c.get("program");
  const { reason } = await readBody(c, unsuspendSchema);
  const row = await setSuspended(c.env.DB, program.id, c.req.param("id"), {
    reason,
    actor: c.get("keyId"),
    lift: true,
  });
  return c.json({ member: serverView(c, program, row) });
});

/** `GET /v1/members/:id/discount`: the stacking discount the host's server applies to the member's bill. */
memberServerRoutes.get("/:id/discount", async (c) => {
  return c.json(await memberDiscount(c.env.DB, c.get("program").id, c.req.param("id")));
});
