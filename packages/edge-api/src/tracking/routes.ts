import type { Context } from "hono";
import { clientAddress } from "../auth/middleware";
import { type AppEnv, router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { newId, normalizeCode } from "../lib/ids";
import { checkRateLimit } from "../lib/rate-limit";
import { readBody } from "../lib/validate";
import { verifyMemberToken } from "../members/identity";
import { createLead } from "../referrals/leads";
import { type LeadResponse, leadSchema, shareSchema, type VisitResponse, visitSchema } from "./schema";
import { requestVisitorHash } from "./visitor";

export const trackingRoutes = router();

/** The hot path: one INSERT … SELECT that both checks the code and writes the visit. */
trackingRoutes.post("/visit", async (c) => {
  const program = c.get("program");
  const v = await readBody(c, visitSchema);
  const now = Date.now();
  const clickId = newId("clk");
  const hash = await requestVisitorHash(program, c.req, now);
  const country = (c.req.raw as { cf?: { country?: string } }).cf?.country ?? null;
  const code = normalizeCode(v.code);
  const result = await c.env.DB.prepare(
    `INSERT INTO visits (id, program_id, member_id, code, campaign, sub_source, landing_url, referrer,
        utm_source, utm_medium, utm_campaign, country, visitor_hash, created_at)
     SELECT ?, ?, m.id, m.code, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM members m
     WHERE m.code = ? AND m.program_id = ? AND m.suspended_at IS NULL RETURNING id`,
  )
    .bind(
      clickId,
      program.id,
      v.campaign ?? v.utm_campaign ?? null,
      v.sub_source ?? null,
      v.landing_url ?? null,
      v.referrer ?? null,
      v.utm_source ?? null,
      v.utm_medium ?? null,
      v.utm_campaign ?? null,
      country,
      hash,
      now,
      code,
      program.id,
    )
    .all();
  // A suspended member's code answers like an unknown one: their link records nothing new. (RETURNING, not
  // meta.changes: D1 counts the rows the rollup triggers write too.)
  if (result.results.length !== 1)
    throw new ApiError("unknown_code", `No member has the referral code ${v.code}.`, { code: v.code });
  const body: VisitResponse = {
    click_id: clickId,
    code,
    attribution: { model: program.attributionModel, window_days: program.attributionWindowDays },
    expires_at: new Date(now + program.attributionWindowDays * 86_400_000).toISOString(),
  };
  return c.json(body, 201);
});

trackingRoutes.post("/share", async (c) => {
  const program = c.get("program");
  const s = await readBody(c, shareSchema);
  const memberId = await verifyMemberToken(program, s.member_token);
  const id = newId("shr");
  const { results } = await c.env.DB.prepare(
    `INSERT INTO shares (id, program_id, member_id, channel, created_at)
     SELECT ?, ?, id, ?, ? FROM members WHERE id = ? AND program_id = ? AND suspended_at IS NULL RETURNING id`,
  )
    .bind(id, program.id, s.channel, Date.now(), memberId, program.id)
    .all();
  if (results.length !== 1) throw new ApiError("member_suspended", "This member's referral link is paused.");
  return c.json({ share: { id, channel: s.channel } }, 201);
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
async function limitShortLinks(c: Context<AppEnv>): Promise<void> {
  const verdict = await checkRateLimit(c.env, "public", `r:${clientAddress(c)}`);
  if (!verdict.ok) {
    throw new ApiError(
      "rate_limited",
      `Too many requests. Retry after ${verdict.retryAfter} s.`,
      { limit_per_minute: verdict.limit },
      { "Retry-After": String(verdict.retryAfter) },
    );
  }
}

function redirectTo(c: Context<AppEnv>, row: { landing_url: string; param_names: string } | null, code: string) {
  if (!row) throw new ApiError("unknown_code", `No member has the referral code ${code}.`, { code });
  const url = new URL(row.landing_url);
  const param = (JSON.parse(row.param_names) as string[])[0] ?? "via";
  url.searchParams.set(param, code);
  const vsrc = c.req.query("vsrc");
  if (vsrc) url.searchParams.set("vsrc", vsrc.slice(0, 100));
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer-when-downgrade");
  return c.redirect(url.toString(), 302);
}

/**
 * `/r/:program/:code` → the program's landing page with `?via=CODE` (the tracker there records the
 * visit). Codes are unique per program, so the short link names the program by its slug. The landing
 * page is always on one of the program's allowed origins, so this is no open redirect.
 */
shortLinkRoutes.get("/r/:slug/:code", async (c) => {
  await limitShortLinks(c);
  const code = normalizeCode(c.req.param("code"));
  const row = await c.env.DB.prepare(
    `SELECT p.landing_url, p.param_names FROM programs p JOIN members m ON m.program_id = p.id
     WHERE p.slug = ? AND m.code = ? AND m.suspended_at IS NULL`,
  )
    .bind(c.req.param("slug"), code)
    .first<{ landing_url: string; param_names: string }>();
  return redirectTo(c, row, code);
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
