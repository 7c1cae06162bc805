import type { Context } from "hono";
import { type AppEnv, router } from "../lib/app";
import { clientAddress } from "../lib/client";
import { ApiError } from "../lib/errors";
import { normalizeCode } from "../lib/ids";
import { defineRoute } from "../lib/openapi";
import { checkRateLimit } from "../lib/rate-limit";
import { verifyMemberToken } from "../members/identity";
import { createLead } from "../referrals/leads";
import {
  leadResponseSchema,
  leadSchema,
  shareResponseSchema,
  shareSchema,
  visitResponseSchema,
  visitSchema,
} from "./schema";
import { recordShare, recordVisit, shortLinkTarget } from "./service";
import { requestVisitorHash } from "./visitor";

export const trackingRoutes = router();

defineRoute(
  trackingRoutes,
  {
    method: "post",
    path: "/visit",
    operationId: "recordVisit",
    tag: "tracking",
    summary: "Record a referral visit",
    description:
      "The tracker calls this when a page opens with a referral code (`?via=CODE`). The code is checked and the visit queued for writing (no database write on the request); the click id it returns carries and authenticates the member and the time, so it ties a later sign-up to this visit even before the visit is stored. `greeting` is the line the friend sees in the page's `data-vouch-greeting` element, in the program's language (else the browser's), saying about the referrer only what the program's `greeting.reveal` allows.",
    auth: "publishable",
    body: visitSchema,
    bodyExample: { code: "DANA7K2M", landing_url: "https://www.acme.com/?via=DANA7K2M", utm_source: "linkedin" },
    responses: {
      201: {
        description: "The visit, its click id and the program's attribution window.",
        schema: visitResponseSchema,
        example: {
          click_id: "clk_3Jx8kQ2mN5pR7tVw",
          code: "DANA7K2M",
          attribution: { model: "first", window_days: 90 },
          expires_at: "2026-04-05T09:00:00.000Z",
          greeting: {
            text: "Dana invited you to Acme — you get $100 in account credit",
            lang: "en",
            referrer: { first_name: "Dana", company: null },
            offer: "$100 in account credit",
          },
        },
      },
    },
    errors: ["unknown_code"],
  },
  async (c, { body }) => {
    const program = c.get("program");
    const now = Date.now();
    const visit = await recordVisit(c.env, program, body, {
      visitorHash: await requestVisitorHash(program, c.req, now),
      country: (c.req.raw as { cf?: { country?: string } }).cf?.country ?? null,
      now,
      acceptLanguage: c.req.header("accept-language"),
    });
    return c.json(visit, 201);
  },
);

defineRoute(
  trackingRoutes,
  {
    method: "post",
    path: "/share",
    operationId: "recordShare",
    tag: "tracking",
    summary: "Record a share by the member",
    description: "The widget calls this when the member shares their link, with the member token from enrolment.",
    auth: "publishable",
    body: shareSchema,
    bodyExample: { member_token: "mem_8fKq2x.1767603600.Zk3…", channel: "linkedin" },
    responses: {
      201: {
        description: "The share.",
        schema: shareResponseSchema,
        example: { share: { id: "shr_4Hn7Qw2Lp9Xz3Vb6", channel: "linkedin" } },
      },
    },
    errors: ["invalid_member_token", "member_suspended"],
  },
  async (c, { body }) => {
    const program = c.get("program");
    const memberId = await verifyMemberToken(program, body.member_token);
    return c.json({ share: await recordShare(c.env.DB, program, memberId, body.channel) }, 201);
  },
);

/**
 * A lead from the marketing site's sign-up form (click id or typed code) or the member's peer form. The
 * key is public, so the answer says nothing about the person: new, already referred, blocked by a fraud
 * rule, or the referrer suspended, it is the same `202 { accepted: true }`. Only the member's own panel
 * hears that they referred themselves (they typed their own address), and never which address matched.
 */
defineRoute(
  trackingRoutes,
  {
    method: "post",
    path: "/lead",
    operationId: "recordLead",
    tag: "tracking",
    summary: "Record a lead (sign-up form or refer-a-peer form)",
    description:
      "Attribution takes the strongest evidence: the member token (the widget's peer form), then the click id, then a typed code. The answer is the same for a new lead, a repeat and one a fraud rule stopped, so the public key tells nobody who is a customer; only a member referring themselves from their own panel hears `self_referral`.",
    auth: "publishable",
    body: leadSchema,
    bodyExample: {
      email: "sam@initech.com",
      name: "Sam Lee",
      company: "Initech",
      size: "51-200",
      click_id: "clk_3Jx8kQ2mN5pR7tVw",
    },
    responses: {
      202: {
        description: "Received (whatever became of it).",
        schema: leadResponseSchema,
        example: { accepted: true },
      },
    },
    errors: [
      "invalid_member_token",
      "self_referral",
      "unknown_code",
      "unknown_click",
      "attribution_expired",
      "no_attribution",
      "conflict",
    ],
  },
  async (c, { body }) => {
    const program = c.get("program");
    const memberId = body.member_token ? await verifyMemberToken(program, body.member_token) : undefined;
    const visitorHash = await requestVisitorHash(program, c.req);
    const outcome = await createLead(c.env.DB, program, body, { memberId, visitorHash });
    if (outcome.kind === "blocked" && memberId) {
      const self = outcome.signals.find((s) => s.rule === "self_referral");
      if (self) {
        const reason = self.evidence.reason as string;
        throw new ApiError(
          "self_referral",
          reason === "same_domain"
            ? "Referrals within your own company do not count in this program."
            : "Members cannot refer themselves.",
          { reason },
        );
      }
    }
    return c.json({ accepted: true as const }, 202);
  },
);

export const shortLinkRoutes = router();

/** Public and unauthenticated: 120 redirects a minute per client address, so codes cannot be enumerated. */
async function limitShortLinks(c: Context<AppEnv>): Promise<void> {
  const verdict = await checkRateLimit(c.env, "public", `r:${clientAddress(c.req)}`);
  if (!verdict.ok) {
    throw new ApiError(
      "rate_limited",
      `Too many requests. Retry after ${verdict.retryAfter} s.`,
      { limit_per_minute: verdict.limit },
      { "Retry-After": String(verdict.retryAfter) },
    );
  }
}

function redirectTo(c: Context<AppEnv>, target: URL) {
  const vsrc = c.req.query("vsrc");
  if (vsrc) target.searchParams.set("vsrc", vsrc.slice(0, 100));
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer-when-downgrade");
  return c.redirect(target.toString(), 302);
}

/*
 * The short links are links for people, not API calls, so they are not in the API document (which also holds
 * operations to a 2xx answer; these only redirect). The README documents them (step 4, and Security).
 */

/**
 * `/r/:slug/:code` → the program's landing page with `?via=CODE` (the tracker there records the visit). Codes
 * are unique per program, so the short link names the program by its slug. The landing page is always on one
 * of the program's allowed origins, so this is no open redirect.
 */
shortLinkRoutes.get("/r/:slug/:code", async (c) => {
  await limitShortLinks(c);
  return redirectTo(c, await shortLinkTarget(c.env.DB, c.req.param("slug"), c.req.param("code")));
});

/**
 * `/r/:code`, the form before codes became per-program, is retired: a code alone no longer names one member
 * (another tenant could create the same code and hijack or break the link). It answers with the new form.
 */
shortLinkRoutes.get("/r/:code", async (c) => {
  await limitShortLinks(c);
  throw new ApiError("not_found", "Short links name the program now: /r/<program-slug>/<code>.", {
    code: normalizeCode(c.req.param("code")),
  });
});
