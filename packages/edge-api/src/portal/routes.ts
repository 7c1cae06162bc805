import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { withVariantMessage } from "../experiments/service";
import { type AppEnv, router } from "../lib/app";
import { clientAddress } from "../lib/client";
import { SlidingWindowLimiter } from "../lib/rate-limit";
import { renderMessage, toMemberView } from "../members/service";
import { memberPayoutStatus } from "../payouts/service";
import { checkMemberMethod, readPayoutSettings, saveMemberMethod } from "../payouts/settings";
import { pickLanguage } from "../program-page/content";
import { contentSecurityPolicy, type Rendered, renderNotFound, safeUrl, styleHash } from "../program-page/render";
import { readProgramPage } from "../program-page/service";
import { rewardPhrase } from "../program-page/steps";
import { hostedPageUrl } from "../program-page/url";
import type { PageLanguage } from "../programs/schema";
import type { Program } from "../programs/service";
import { withEffectiveOffer } from "../rewards/offer";
import type { Ruleset } from "../rewards/schema";
import { MAX_TTL_MS, mintAccessToken, readAccessToken, verifyAccessToken } from "./access-token";
import { PORTAL_WORDS } from "./content";
import { readEmailPreferences, refusedText, renderEmailPreferences, saveEmailPreferences } from "./email-preferences";
import { samePortalOrigin } from "./origin";
import { renderPayoutSection } from "./payouts-section";
import { type PortalProgram, renderNotice, renderPortal } from "./render";
import { memberInProgram, programById, readPortal } from "./service";

/**
 * One Click Access and the member portal, HTML for people (not API operations, so not in the API document):
 *
 * - `GET /o/<token>`: a link the host minted (`POST /v1/members/{id}/access-link`) is verified, a portal session
 *   cookie is set, and the browser is sent on to `/p/<slug>/me` with a 303, so the token leaves the address bar
 *   (and the history, and any Referer). A link that does not verify gets a page (401, or 410 once expired); each
 *   failure counts against the client's address, and too many get 429 for a while.
 * - `GET /p/<slug>/me`: the portal, for the member the cookie names, or a page on how to get a link.
 *
 * The cookie is not the link's token but a session value signed the same way for its own purpose
 * (`portal-session`, src/portal/access-token.ts), for at most an hour and never past the link's own expiry. So a
 * cookie cannot be pasted into `/o/` as a link (which would skip its failure count), a link is not a session, and a
 * stolen cookie is good for an hour at most, where a link may live 30 days. HttpOnly and Secure; SameSite=Lax
 * because the link is opened from a mail client or webmail, another site: a Strict cookie set on that navigation
 * would not be sent on the redirect it answers with. Its path is the program's portal, so it goes nowhere else.
 */
export const portalRoutes = router();

export const PORTAL_COOKIE = "vouch_portal";

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** Links that did not verify, per client address: 20 in 10 minutes, then 429 until the window moves on. */
export const accessFailures = new SlidingWindowLimiter(20, 10 * 60 * 1000);

async function respond(
  c: Context<AppEnv>,
  page: Rendered,
  lang: PageLanguage,
  status: 200 | 401 | 403 | 404 | 410 | 429,
  program: Pick<Program, "logoUrl"> | null,
) {
  const logo = program ? safeUrl(program.logoUrl, ["https:"]) : null;
  c.header(
    "Content-Security-Policy",
    contentSecurityPolicy(await styleHash(page.style), logo && new URL(logo).origin, { forms: true }),
  );
  c.header("Content-Language", lang);
  c.header("Vary", "Accept-Language, Cookie");
  c.header("X-Content-Type-Options", "nosniff");
  // Member data: never cached. No Referer leaves the portal for another site; within it the browser names the
  // page's origin, so the portal's own forms carry a real `Origin` (with no-referrer, Chrome sends "null").
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "same-origin");
  return c.html(page.html, status);
}

function brand(program: Program): PortalProgram {
  return {
    name: program.name,
    brandColor: program.brandColor,
    logoUrl: program.logoUrl,
    testMode: program.testMode,
  };
}

/** The portal's path: where the session cookie lives and where an opened link leads. */
function portalPath(slug: string): string {
  return `/p/${encodeURIComponent(slug)}/me`;
}

portalRoutes.get("/o/:token", async (c) => {
  const address = clientAddress(c.req);
  const query = c.req.query("lang");
  const acceptLanguage = c.req.header("accept-language");
  const limited = accessFailures.peek(address);
  if (!limited.ok) {
    const lang = pickLanguage(query, null, acceptLanguage);
    const w = PORTAL_WORDS[lang];
    c.header("Retry-After", String(limited.retryAfter));
    return respond(
      c,
      renderNotice(lang, { title: w.limitedTitle, text: w.limitedText, program: null }),
      lang,
      429,
      null,
    );
  }
  const token = c.req.param("token");
  const claims = readAccessToken(token);
  const program = claims?.purpose === "portal" ? await programById(c.env.DB, claims.programId) : null;
  const verdict = program ? await verifyAccessToken(program, token, "portal") : null;
  const member = program && verdict?.ok ? await memberInProgram(c.env.DB, program.id, verdict.claims.memberId) : null;
  if (!program || !verdict?.ok || !member) {
    accessFailures.check(address);
    // Only a link we signed is "expired": its program is known, so the page is in its brand and language.
    if (program && verdict && !verdict.ok && verdict.reason === "expired") {
      const lang = pickLanguage(query, program.pageLanguage, acceptLanguage);
      const w = PORTAL_WORDS[lang];
      const page = renderNotice(lang, {
        title: w.expiredTitle,
        text: w.expiredText(program.name),
        program: brand(program),
      });
      return respond(c, page, lang, 410, program);
    }
    const lang = pickLanguage(query, null, acceptLanguage);
    const w = PORTAL_WORDS[lang];
    return respond(
      c,
      renderNotice(lang, { title: w.invalidTitle, text: w.invalidText, program: null }),
      lang,
      401,
      null,
    );
  }
  const lang = pickLanguage(query, program.pageLanguage, acceptLanguage);
  if (member.suspended_at !== null) {
    const w = PORTAL_WORDS[lang];
    const page = renderNotice(lang, {
      title: w.pausedTitle,
      text: w.pausedText(program.name),
      program: brand(program),
    });
    return respond(c, page, lang, 403, program);
  }
  const now = Date.now();
  const sessionEnds = Math.min(now + MAX_TTL_MS["portal-session"], verdict.claims.expiresAt);
  const session = await mintAccessToken(program, "portal-session", member.id, sessionEnds);
  setCookie(c, PORTAL_COOKIE, session, {
    path: portalPath(program.slug),
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    maxAge: Math.max(1, Math.floor((sessionEnds - now) / 1000)),
  });
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  const target =
    query === "en" || query === "de" ? `${portalPath(program.slug)}?lang=${query}` : portalPath(program.slug);
  return c.redirect(target, 303);
});

/** What the next milestone pays, in the page's language: the rule's own description in English, else its reward. */
function milestoneWhat(lang: PageLanguage, ruleset: Ruleset | null, ruleId: string | undefined): string | null {
  const rule = ruleId ? ruleset?.config.rules.find((r) => r.id === ruleId) : undefined;
  if (!rule) return null;
  if (lang === "en" && rule.description) return rule.description;
  return rewardPhrase(lang, rule);
}

portalRoutes.get("/p/:slug/me", async (c) => {
  const slug = c.req.param("slug");
  const query = c.req.query("lang");
  const acceptLanguage = c.req.header("accept-language");
  const found = SLUG.test(slug) ? await readProgramPage(c.env.DB, slug) : null;
  if (!found) {
    const lang = pickLanguage(query, null, acceptLanguage);
    return respond(c, renderNotFound(lang), lang, 404, null);
  }
  const { program } = found;
  const lang = pickLanguage(query, program.pageLanguage, acceptLanguage);
  const w = PORTAL_WORDS[lang];
  const origin = new URL(c.req.url).origin;
  const programPageUrl = safeUrl(program.programPageUrl) ?? hostedPageUrl(origin, program.slug);
  const cookie = getCookie(c, PORTAL_COOKIE);
  const member = await sessionMember(c, program, cookie);
  if (!member) {
    // A cookie that no longer verifies (expired, another secret) is cleared, so the browser stops sending it.
    if (cookie) deleteCookie(c, PORTAL_COOKIE, { path: portalPath(program.slug), secure: true });
    const page = renderNotice(lang, {
      title: w.signedOutTitle,
      text: w.signedOutText(program.name),
      program: brand(program),
      link: { href: programPageUrl, label: w.programLink },
    });
    return respond(c, page, lang, 200, program);
  }
  if (member.suspended_at !== null) {
    const page = renderNotice(lang, {
      title: w.pausedTitle,
      text: w.pausedText(program.name),
      program: brand(program),
    });
    return respond(c, page, lang, 403, program);
  }
  const now = Date.now();
  const [portal, payouts, prefs] = await Promise.all([
    readPortal(c.env.DB, program, member.id, now),
    memberPayoutStatus(c.env.DB, program.id, member.id, now),
    readEmailPreferences(c.env.DB, program.id, member.id),
  ]);
  const notice = c.req.query("payout");
  const view = toMemberView(program, member, origin);
  const base = `${origin}${portalPath(program.slug)}`;
  const page = renderPortal({
    lang,
    program: brand(program),
    alternates: { en: `${base}?lang=en`, de: `${base}?lang=de` },
    programPageUrl,
    member: { name: member.name, code: view.code, link: view.link },
    message: renderMessage(withVariantMessage(withEffectiveOffer(program, portal.ruleset), portal.variant), view),
    stats: portal.stats,
    rewards: portal.rewards,
    milestoneWhat: milestoneWhat(lang, portal.ruleset, portal.rewards.next_milestone?.rule_id),
    referrals: portal.referrals,
    now,
    sections: [
      renderPayoutSection({
        lang,
        status: payouts,
        action: `${portalPath(program.slug)}/payout-method`,
        memberEmail: member.email,
        notice: notice === "saved" || notice === "email" || notice === "method" ? notice : null,
      }),
    ],
    emailPreferences: renderEmailPreferences(
      lang,
      `${portalPath(program.slug)}/emails${query === "en" || query === "de" ? `?lang=${query}` : ""}`,
      prefs,
      c.req.query("emails") === "saved" ? "saved" : null,
    ),
  });
  return respond(c, page, lang, 200, program);
});

/**
 * The portal's payout form (`POST /p/<slug>/me/payout-method`, form-encoded `method` and `email`): the member the
 * session cookie names saves how they are paid, then goes back to the portal (303) with a notice. Cross-site posts
 * carry no cookie (SameSite=Lax) and are refused by their Origin as well.
 */
portalRoutes.post("/p/:slug/me/payout-method", async (c) => {
  const slug = c.req.param("slug");
  const found = SLUG.test(slug) ? await readProgramPage(c.env.DB, slug) : null;
  const crossSite = !samePortalOrigin(c);
  if (!found || crossSite) {
    const lang = pickLanguage(c.req.query("lang"), null, c.req.header("accept-language"));
    return respond(c, renderNotFound(lang), lang, crossSite ? 403 : 404, null);
  }
  const { program } = found;
  const member = await sessionMember(c, program, getCookie(c, PORTAL_COOKIE));
  const back = (notice: string) => {
    c.header("Cache-Control", "no-store");
    return c.redirect(`${portalPath(program.slug)}?payout=${notice}#payouts`, 303);
  };
  if (!member || member.suspended_at !== null) return c.redirect(portalPath(program.slug), 303);
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const method = typeof form.method === "string" ? form.method : "";
  const email = typeof form.email === "string" && form.email.trim() ? form.email.trim() : undefined;
  const settings = await readPayoutSettings(c.env.DB, program.id);
  if (!(settings.methods as string[]).includes(method)) return back("method");
  try {
    const chosen = checkMemberMethod(settings, { method: method as never, ...(email ? { email } : {}) }, member.email);
    await saveMemberMethod(c.env.DB, program.id, member.id, chosen, Date.now());
  } catch {
    return back("email");
  }
  return back("saved");
});

// The email preferences form (src/portal/email-preferences.ts): the session cookie's member, from this origin only.
portalRoutes.post("/p/:slug/me/emails", async (c) => {
  const slug = c.req.param("slug");
  const query = c.req.query("lang");
  const found = SLUG.test(slug) ? await readProgramPage(c.env.DB, slug) : null;
  const lang = pickLanguage(query, found?.program.pageLanguage ?? null, c.req.header("accept-language"));
  if (!found) return respond(c, renderNotFound(lang), lang, 404, null);
  const { program } = found;
  const w = PORTAL_WORDS[lang];
  // From another site, or far larger than the form (a dozen short fields): refused before anything is read.
  if (!samePortalOrigin(c) || Number(c.req.header("content-length") ?? 0) > 4096) {
    const page = renderNotice(lang, { title: w.invalidTitle, text: refusedText(lang), program: brand(program) });
    return respond(c, page, lang, 403, program);
  }
  const member = await sessionMember(c, program, getCookie(c, PORTAL_COOKIE));
  if (!member || member.suspended_at !== null) {
    const page = renderNotice(lang, {
      title: w.signedOutTitle,
      text: w.signedOutText(program.name),
      program: brand(program),
    });
    return respond(c, page, lang, 401, program);
  }
  const form = await c.req.formData().catch(() => new FormData());
  await saveEmailPreferences(c.env.DB, program.id, member.id, form);
  c.header("Cache-Control", "no-store");
  const back = `${portalPath(program.slug)}?${query === "en" || query === "de" ? `lang=${query}&` : ""}emails=saved#emails`;
  return c.redirect(back, 303);
});

/** The member a portal session cookie names, in this program; null for no cookie, a bad one, or another program's. */
async function sessionMember(c: Context<AppEnv>, program: Program, cookie: string | undefined) {
  const verdict = cookie ? await verifyAccessToken(program, cookie, "portal-session") : null;
  return verdict?.ok ? memberInProgram(c.env.DB, program.id, verdict.claims.memberId) : null;
}
