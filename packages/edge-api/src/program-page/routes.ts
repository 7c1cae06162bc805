import type { Context } from "hono";
import { type AppEnv, router } from "../lib/app";
import type { PageLanguage } from "../programs/schema";
import { effectiveOffer } from "../rewards/offer";
import { defaultFaq, defaultTerms, pickLanguage } from "./content";
import { contentSecurityPolicy, type Rendered, renderNotFound, renderPage, safeUrl, styleHash } from "./render";
import { readProgramPage } from "./service";
import { germanOffer, howItWorks } from "./steps";
import { hostedPageUrl } from "./url";

/**
 * `GET /p/:slug`: the program's public page (the offer, how it works, FAQ, terms), for members and the friends
 * they send, and for link previews. Public, no key, no script; not an API operation, so not in the API document.
 * Cached for a minute: a settings change shows within 60 s.
 */
export const programPageRoutes = router();

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

async function respond(
  c: Context<AppEnv>,
  page: Rendered,
  lang: PageLanguage,
  status: 200 | 404,
  imageOrigin: string | null,
) {
  c.header("Content-Security-Policy", contentSecurityPolicy(await styleHash(page.style), imageOrigin));
  c.header("Content-Language", lang);
  // The language may come from Accept-Language.
  c.header("Vary", "Accept-Language");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "strict-origin-when-cross-origin");
  c.header("Cache-Control", status === 200 ? "public, max-age=60" : "no-store");
  return c.html(page.html, status);
}

programPageRoutes.get("/p/:slug", async (c) => {
  const slug = c.req.param("slug");
  const query = c.req.query("lang");
  const found = SLUG.test(slug) ? await readProgramPage(c.env.DB, slug) : null;
  if (!found) {
    const lang = pickLanguage(query, null, c.req.header("accept-language"));
    return respond(c, renderNotFound(lang), lang, 404, null);
  }
  const { program, ruleset } = found;
  const config = ruleset?.config ?? null;
  const lang = pickLanguage(query, program.pageLanguage, c.req.header("accept-language"));
  const base = hostedPageUrl(new URL(c.req.url).origin, program.slug);
  const alternates = { en: `${base}?lang=en`, de: `${base}?lang=de` };
  // The vendor's own offer wins in either language; otherwise the rules in words, the widget's sentence in English.
  const offer = program.offerText.trim()
    ? program.offerText
    : lang === "de"
      ? germanOffer(config)
      : effectiveOffer(program, ruleset);
  const page = renderPage({
    lang,
    url: query === "en" || query === "de" ? alternates[lang] : base,
    alternates,
    name: program.name,
    brandColor: program.brandColor,
    logoUrl: program.logoUrl,
    landingUrl: program.landingUrl,
    testMode: program.testMode,
    offer,
    steps: howItWorks(lang, config, {
      program: program.name,
      windowDays: program.attributionWindowDays,
      offerOverride: program.offerText,
    }),
    faq: program.pageFaq ?? defaultFaq(lang, program, config),
    terms: program.pageTerms ?? defaultTerms(lang, program, config),
  });
  const logo = safeUrl(program.logoUrl, ["https:"]);
  return respond(c, page, lang, 200, logo ? new URL(logo).origin : null);
});
