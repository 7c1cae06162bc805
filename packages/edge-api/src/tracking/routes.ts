import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { newId, normalizeCode } from "../lib/ids";
import { readBody } from "../lib/validate";
import { verifyMemberToken } from "../members/identity";
import { createLead } from "../referrals/leads";
import { leadSchema, shareSchema, type VisitResponse, visitSchema } from "./schema";
import { visitorHash } from "./visitor";

export const trackingRoutes = router();

/** The hot path: one INSERT … SELECT that both checks the code and writes the visit. */
trackingRoutes.post("/visit", async (c) => {
  const program = c.get("program");
  const v = await readBody(c, visitSchema);
  const now = Date.now();
  const clickId = newId("clk");
  const ip = c.req.header("cf-connecting-ip") ?? "";
  const hash = await visitorHash(program.identitySecret, ip, c.req.header("user-agent") ?? "", now);
  const country = (c.req.raw as { cf?: { country?: string } }).cf?.country ?? null;
  const code = normalizeCode(v.code);
  const result = await c.env.DB.prepare(
    `INSERT INTO visits (id, program_id, member_id, code, campaign, sub_source, landing_url, referrer,
        utm_source, utm_medium, utm_campaign, country, visitor_hash, created_at)
     SELECT ?, ?, m.id, m.code, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM members m WHERE m.code = ? AND m.program_id = ?`,
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
    .run();
  if (result.meta.changes !== 1)
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
  await c.env.DB.prepare("INSERT INTO shares (id, program_id, member_id, channel, created_at) VALUES (?, ?, ?, ?, ?)")
    .bind(id, program.id, memberId, s.channel, Date.now())
    .run();
  return c.json({ share: { id, channel: s.channel } }, 201);
});

/** A lead from the marketing site's sign-up form (click id or typed code) or the member's peer form. */
trackingRoutes.post("/lead", async (c) => {
  const program = c.get("program");
  const input = await readBody(c, leadSchema);
  const memberId = input.member_token ? await verifyMemberToken(program, input.member_token) : undefined;
  const result = await createLead(c.env.DB, program, input, memberId);
  // The browser learns only that the lead counted. A duplicate says nothing about the earlier referral
  // (who referred them, whether they became a customer, what they pay): the key is public.
  const referral = result.created
    ? { id: result.referral.id, status: result.referral.status, created_at: result.referral.created_at }
    : { id: result.referral.id, status: "lead" };
  return c.json({ referral, duplicate: !result.created }, result.created ? 201 : 200);
});

export const shortLinkRoutes = router();

/** `/r/:code` → the program's landing page with `?via=CODE` (the tracker there records the visit). */
shortLinkRoutes.get("/r/:code", async (c) => {
  const code = normalizeCode(c.req.param("code"));
  const row = await c.env.DB.prepare(
    `SELECT p.landing_url, p.param_names FROM members m JOIN programs p ON p.id = m.program_id WHERE m.code = ?`,
  )
    .bind(code)
    .first<{ landing_url: string; param_names: string }>();
  if (!row) throw new ApiError("unknown_code", `No member has the referral code ${code}.`, { code });
  const url = new URL(row.landing_url);
  const param = (JSON.parse(row.param_names) as string[])[0] ?? "via";
  url.searchParams.set(param, code);
  const vsrc = c.req.query("vsrc");
  if (vsrc) url.searchParams.set("vsrc", vsrc.slice(0, 100));
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer-when-downgrade");
  return c.redirect(url.toString(), 302);
});
