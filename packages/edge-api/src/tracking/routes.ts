import type { Context } from "hono";
import { type AppEnv, router } from "../lib/app";
import { clientAddress } from "../lib/client";
import { ApiError } from "../lib/errors";
import { SlidingWindowLimiter } from "../lib/rate-limit";
import { readBody } from "../lib/validate";
import { verifyMemberToken } from "../members/identity";
import { createLead } from "../referrals/leads";
import { type LeadResponse, leadSchema, shareSchema, visitSchema } from "./schema";
import { recordShare, recordVisit, shortLinkTarget } from "./service";
import { requestVisitorHash } from "./visitor";

export const trackingRoutes = router();

trackingRoutes.post("/visit", async (c) => {
  const program = c.get("program");
  const v = await readBody(c, visitSchema);
  const now = Date.now();
  const body = await recordVisit(c.env.DB, program, v, {
    visitorHash: await requestVisitorHash(program, c.req, now),
    country: (c.req.raw as { cf?: { country?: string } }).cf?.country ?? null,
    now,
  });
  return c.json(body, 201);
});

trackingRoutes.post("/share", async (c) => {
  const program = c.get("program");
  const s = await readBody(c, shareSchema);
  const memberId = await verifyMemberToken(program, s.member_token);
  return c.json({ share: await recordShare(c.env.DB, program, memberId, s.channel) }, 201);
});

/**
 * A lead from the marketing site's sign-up form (click id or typed code) or the member's peer form. The
 * key is public, so the answer says nothing about the person: new, already referred, blocked by a fraud
 * rule, or the referrer suspended, it is the same `202 { accepted: true }`. Only the member's own panel
 * hears that they referred themselves (they typed their own address), and never which address matched.
 */
trackingRoutes.post("/lead", async (c) => {
  const program = c.get("program");
  const input = await readBody(c, leadSchema);
  const memberId = input.member_token ? await verifyMemberToken(program, input.member_token) : undefined;
  const visitorHash = await requestVisitorHash(program, c.req);
  const outcome = await createLead(c.env.DB, program, input, { memberId, visitorHash });
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
  const body: LeadResponse = { accepted: true };
  return c.json(body, 202);
});

export const shortLinkRoutes = router();

/** Public and unauthenticated: 120 redirects a minute per client address, so codes cannot be enumerated. */
const shortLinkLimiter = new SlidingWindowLimiter(120, 60_000);

function limitShortLinks(address: string): void {
  const verdict = shortLinkLimiter.check(address);
  if (!verdict.ok) {
    throw new ApiError(
      "rate_limited",
      `Too many requests. Retry after ${verdict.retryAfter} s.`,
      { limit_per_minute: shortLinkLimiter.limit },
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

/**
 * `/r/:program/:code` → the program's landing page with `?via=CODE` (the tracker there records the
 * visit). Codes are unique per program, so the short link names the program by its slug. The landing
 * page is always on one of the program's allowed origins, so this is no open redirect.
 */
shortLinkRoutes.get("/r/:slug/:code", async (c) => {
  limitShortLinks(clientAddress(c.req));
  return redirectTo(c, await shortLinkTarget(c.env.DB, c.req.param("code"), c.req.param("slug")));
});

/** `/r/:code`: links shared before codes became per-program keep working while the code names one member. */
shortLinkRoutes.get("/r/:code", async (c) => {
  limitShortLinks(clientAddress(c.req));
  return redirectTo(c, await shortLinkTarget(c.env.DB, c.req.param("code")));
});
