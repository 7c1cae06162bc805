import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, enrol, makeProgram, server, type TestProgram } from "../../test/fixtures";
import { twoSidedRules } from "../rewards/two-sided";
import { styleHash } from "./render";

const GIVE_GET_100 = twoSidedRules({ give: 10_000, get: 10_000, currency: "USD" });

async function page(slug: string, init: { lang?: string; acceptLanguage?: string } = {}) {
  const query = init.lang ? `?lang=${init.lang}` : "";
  const headers: Record<string, string> = init.acceptLanguage ? { "accept-language": init.acceptLanguage } : {};
  const res = await SELF.fetch(`${API}/p/${slug}${query}`, { headers });
  // Money and percents keep number and sign together with a no-break space; the expectations use a plain one.
  return { res, html: (await res.text()).replaceAll("\u00a0", " ") };
}

function meta(html: string, key: string): string | undefined {
  const re = new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)">`);
  return re.exec(html)?.[1];
}

/** The CSP as a map of directive → value. */
function policy(res: Response): Record<string, string> {
  const header = res.headers.get("content-security-policy") ?? "";
  return Object.fromEntries(
    header.split(";").map((d) => {
      const [name = "", ...rest] = d.trim().split(/\s+/);
      return [name, rest.join(" ")];
    }),
  );
}

function programWithRules(overrides: Parameters<typeof makeProgram>[0] = {}): Promise<TestProgram> {
  return makeProgram(
    { name: "Ledgerly", offer_text: "", brand_color: "#0f766e", ...overrides },
    { rules: GIVE_GET_100 },
  );
}

describe("GET /p/:slug", () => {
  it("serves the offer and how it works as HTML without a key, cached for a minute", async () => {
    const p = await programWithRules();
    const { res, html } = await page(p.slug);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html; charset=utf-8/i);
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    expect(res.headers.get("vary")).toBe("Accept-Language");
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain("<h1>Ledgerly referral program</h1>");
    expect(html).toContain('<p class="offer">Give $100, get $100.</p>');
    expect(html).toContain('<h2 id="how">How it works</h2>');
    expect(html).toContain("<h3>Your friend becomes a customer</h3>");
    expect(html).toContain("<li>You get $100 in account credit. It is held for 14 days before it is approved.</li>");
    expect(html).toContain("<summary>Can I refer myself?</summary>");
    expect(html).toContain('<h2 id="terms">Terms</h2>');
    expect(html).toContain('<a class="cta" href="https://www.acme.test/">Visit Ledgerly</a>');
    expect(html).toContain("--brand:#0f766e;--brand-text:#ffffff");
    expect(html).not.toMatch(/<script/i);
  });

  it("answers under a strict Content-Security-Policy that allows exactly its one style", async () => {
    const p = await programWithRules();
    const { res, html } = await page(p.slug);
    const csp = policy(res);
    expect(Object.keys(csp).sort()).toEqual(["base-uri", "default-src", "form-action", "frame-ancestors", "style-src"]);
    expect(csp).toMatchObject({
      "default-src": "'none'",
      "base-uri": "'none'",
      "form-action": "'none'",
      "frame-ancestors": "'none'",
    });
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    expect(csp["style-src"]).toBe(`'${await styleHash(style)}'`);
    expect(res.headers.get("content-security-policy")).not.toMatch(/unsafe|script-src|\*/);
    expect(html.match(/<style/g)).toHaveLength(1);
    expect(html).not.toMatch(/ style="/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("has Open Graph and Twitter tags for link previews", async () => {
    const p = await programWithRules();
    const { html } = await page(p.slug);
    expect(meta(html, "og:title")).toBe("Ledgerly referral program");
    expect(meta(html, "og:description")).toBe("Give $100, get $100.");
    expect(meta(html, "og:url")).toBe(`${API}/p/${p.slug}`);
    expect(meta(html, "og:type")).toBe("website");
    expect(meta(html, "og:locale")).toBe("en_US");
    expect(meta(html, "twitter:card")).toBe("summary");
    expect(meta(html, "twitter:title")).toBe("Ledgerly referral program");
    expect(meta(html, "og:image")).toBeUndefined();
    expect(html).toContain(`<link rel="alternate" hreflang="de" href="${API}/p/${p.slug}?lang=de">`);
  });

  it("escapes hostile program text everywhere it appears", async () => {
    const hostile = `<script>alert("x")</script> & 'Co'`;
    const p = await makeProgram({ name: hostile, offer_text: `<img src=x onerror=alert(1)>` }, { rules: GIVE_GET_100 });
    await server(p, "PATCH", "/v1/program", {
      page_faq: [{ q: "<b>bold?</b>", a: `</details><script>alert(2)</script>` }],
      page_terms: `"><svg onload=alert(3)>`,
    });
    const { res, html } = await page(p.slug);
    expect(res.status).toBe(200);
    expect(html).not.toMatch(/<script|<img src=x|<svg|<b>/i);
    expect(html).toContain(
      "<h1>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39; referral program</h1>",
    );
    expect(html).toContain('<p class="offer">&lt;img src=x onerror=alert(1)&gt;</p>');
    expect(meta(html, "og:title")).toBe(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39; referral program",
    );
    expect(html).toContain(
      "<summary>&lt;b&gt;bold?&lt;/b&gt;</summary><p>&lt;/details&gt;&lt;script&gt;alert(2)&lt;/script&gt;</p>",
    );
    expect(html).toContain("<p>&quot;&gt;&lt;svg onload=alert(3)&gt;</p>");
  });

  it("speaks German by ?lang, by the program's setting, or by Accept-Language", async () => {
    const p = await programWithRules();
    const byQuery = await page(p.slug, { lang: "de" });
    expect(byQuery.html).toMatch(/<html lang="de">/);
    expect(byQuery.res.headers.get("content-language")).toBe("de");
    expect(byQuery.html).toContain("<h1>Empfehlungsprogramm von Ledgerly</h1>");
    expect(byQuery.html).toContain(
      '<p class="offer">Sie erhalten 100 $ Guthaben für jede erfolgreiche Empfehlung, die empfohlene Person erhält 100 $ Guthaben.</p>',
    );
    expect(byQuery.html).toContain('<h2 id="how">So funktioniert es</h2>');
    expect(byQuery.html).toContain("<summary>Kann ich mich selbst empfehlen?</summary>");
    expect(byQuery.html).toContain('<h2 id="terms">Teilnahmebedingungen</h2>');
    expect(meta(byQuery.html, "og:locale")).toBe("de_DE");
    expect(meta(byQuery.html, "og:url")).toBe(`${API}/p/${p.slug}?lang=de`);

    const byHeader = await page(p.slug, { acceptLanguage: "de-CH,de;q=0.9,en;q=0.5" });
    expect(byHeader.html).toMatch(/<html lang="de">/);
    expect((await page(p.slug, { acceptLanguage: "fr,en;q=0.5,de;q=0.4" })).html).toMatch(/<html lang="en">/);

    await server(p, "PATCH", "/v1/program", { page_language: "de" });
    expect((await page(p.slug, { acceptLanguage: "en" })).html).toMatch(/<html lang="de">/);
    expect((await page(p.slug, { lang: "en", acceptLanguage: "de" })).html).toMatch(/<html lang="en">/);
  });

  it("answers an unknown slug with a 404 page under the same policy", async () => {
    for (const slug of ["no-such-program", "Bad%20Slug", "%3Cscript%3E"]) {
      const { res, html } = await page(slug, { acceptLanguage: "de" });
      expect(res.status, slug).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(policy(res)["default-src"]).toBe("'none'");
      expect(html).toMatch(/<html lang="de">/);
      expect(html).toContain("<h1>Seite nicht gefunden</h1>");
      expect(html).not.toContain("script");
    }
  });

  it("follows the current rules, and the vendor's own offer wins in both languages", async () => {
    const p = await programWithRules();
    await server(p, "PUT", "/v1/reward-rules", {
      rules: [
        {
          id: "lead",
          trigger: "lead",
          recipient: "member",
          kind: "cash",
          amount: { type: "flat", value: 500 },
          currency: "EUR",
          member_cap: { count: 5 },
        },
      ],
    });
    const { html } = await page(p.slug);
    expect(html).toContain(
      "<li>You get €5 in cash. It is approved only once Ledgerly has confirmed the sign-up. You can earn it up to 5 times.</li>",
    );
    expect(html).not.toContain("Your friend becomes a customer");
    await server(p, "PATCH", "/v1/program", { offer_text_override: "Zwei Monate gratis für beide." });
    for (const lang of ["en", "de"]) {
      expect((await page(p.slug, { lang })).html).toContain('<p class="offer">Zwei Monate gratis für beide.</p>');
    }
  });
});

describe("PATCH /v1/program: the page's FAQ, terms, logo and language", () => {
  it("sets them, shows them on the page, and null goes back to the defaults", async () => {
    const p = await programWithRules();
    const before = await server(p, "GET", "/v1/program");
    expect(before.json.program).toMatchObject({
      page_url: `${API}/p/${p.slug}`,
      page_faq: null,
      page_terms: null,
      logo_url: null,
      page_language: null,
    });
    const faq = [
      { q: "Do partners count?", a: "Yes.\n\nAgencies too." },
      { q: "Wer zahlt?", a: "Wir." },
    ];
    const set = await server(p, "PATCH", "/v1/program", {
      page_faq: faq,
      page_terms: "  Be nice.\n\nNo spam, please.\nThanks.  ",
      logo_url: "https://cdn.ledgerly.test/logo.png",
    });
    expect(set.res.status).toBe(200);
    expect(set.json.program).toMatchObject({
      page_faq: faq,
      page_terms: "Be nice.\n\nNo spam, please.\nThanks.",
      logo_url: "https://cdn.ledgerly.test/logo.png",
    });
    const { res, html } = await page(p.slug);
    expect(html).toContain("<summary>Do partners count?</summary><p>Yes.</p><p>Agencies too.</p>");
    expect(html).not.toContain("Can I refer myself?");
    expect(html).toContain('<div class="terms"><p>Be nice.</p><p>No spam, please.<br>Thanks.</p></div>');
    expect(html).toContain('<img class="logo" src="https://cdn.ledgerly.test/logo.png" alt="Ledgerly logo">');
    expect(meta(html, "og:image")).toBe("https://cdn.ledgerly.test/logo.png");
    expect(policy(res)["img-src"]).toBe("https://cdn.ledgerly.test");

    // [] shows no questions at all; null brings the defaults back.
    expect((await server(p, "PATCH", "/v1/program", { page_faq: [] })).res.status).toBe(200);
    expect((await page(p.slug)).html).not.toContain('id="faq"');
    await server(p, "PATCH", "/v1/program", { page_faq: null, page_terms: null, logo_url: null });
    const reset = await page(p.slug);
    expect(reset.html).toContain("<summary>Can I refer myself?</summary>");
    expect(reset.html).toContain("1. The Ledgerly referral program");
    expect(policy(reset.res)["img-src"]).toBeUndefined();
  });

  it("refuses what the page cannot show", async () => {
    const p = await programWithRules();
    const bad = [
      { logo_url: "http://cdn.ledgerly.test/logo.png" },
      { logo_url: "javascript:alert(1)" },
      { page_faq: [{ q: "", a: "x" }] },
      { page_faq: [{ q: "x".repeat(201), a: "x" }] },
      { page_faq: Array.from({ length: 11 }, () => ({ q: "q", a: "a" })) },
      { page_terms: "x".repeat(5001) },
      { page_terms: "   " },
      { page_language: "fr" },
    ];
    for (const body of bad) {
      const { res, json } = await server(p, "PATCH", "/v1/program", body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(json.error.code).toBe("validation_failed");
    }
  });
});

describe("the widget's How it works link", () => {
  it("is the hosted page unless the program names its own", async () => {
    const p = await programWithRules();
    const me = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    expect(me.program.program_page_url).toBe(`${API}/p/${p.slug}`);
    await server(p, "PATCH", "/v1/program", { program_page_url: "https://www.acme.test/referrals" });
    const again = await enrol(p, { id: "u1", email: "dana@northwind.test" });
    expect(again.program.program_page_url).toBe("https://www.acme.test/referrals");
  });
});
