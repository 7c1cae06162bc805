import { describe, expect, it } from "vitest";
import { type RulesetInput, rulesetSchema } from "../rewards/schema";
import { twoSidedRules } from "../rewards/two-sided";
import { defaultFaq, defaultTerms, fromAcceptLanguage, pickLanguage } from "./content";
import { brandColor, escapeHtml, renderPage, textOn } from "./render";
import { howItWorks, germanOffer as offerInGerman, type Step } from "./steps";

type RuleInput = NonNullable<RulesetInput["rules"]>[number];

const CTX = { program: "Acme", windowDays: 90, offerOverride: "" };

/** German (and some English) money and percents keep their number and sign together with a no-break space. */
const plain = (text: string) => text.replaceAll("\u00a0", " ");

function steps(input: RulesetInput, lang: "en" | "de" = "en"): Step[] {
  return howItWorks(lang, rulesetSchema.parse(input), CTX).map((s) => ({ ...s, items: s.items.map(plain) }));
}

/** The steps as "Title: item | item", one string per step, for readable expectations. */
function lines(input: RulesetInput, lang: "en" | "de" = "en"): string[] {
  return steps(input, lang).map((s) => `${s.title}: ${s.items.join(" | ")}`);
}

const credit = (extra: Partial<RuleInput>): RuleInput => ({
  id: "r",
  trigger: "converted",
  recipient: "member",
  kind: "account_credit",
  amount: { type: "flat", value: 10_000 },
  currency: "USD",
  ...extra,
});

describe("how it works, from the rules", () => {
  it("flat two-sided: who gets what when the friend becomes a customer, and the member's hold", () => {
    expect(lines(twoSidedRules({ give: 10_000, get: 10_000, currency: "USD" }))).toEqual([
      "Share your link: Share your personal referral link or code with people who would benefit from Acme. You find both in your Acme account.",
      "Your friend signs up: They sign up for Acme through your link (within 90 days of opening it) or with your code.",
      "Your friend becomes a customer: Your friend gets $100 in account credit. | You get $100 in account credit. It is held for 14 days before it is approved.",
      "Get your rewards: Each reward is approved automatically when its hold ends, and Acme then pays it out. | You can follow your referrals and rewards in your Acme account.",
    ]);
  });

  it("the same in German", () => {
    expect(lines(twoSidedRules({ give: 10_000, get: 10_000, currency: "USD" }), "de")).toEqual([
      "Link teilen: Teilen Sie Ihren persönlichen Empfehlungslink oder -code mit Menschen, denen Acme helfen würde. Sie finden beides in Ihrem Acme-Konto.",
      "Die empfohlene Person meldet sich an: Die Person meldet sich über Ihren Link (innerhalb von 90 Tagen nach dem Öffnen) oder mit Ihrem Code bei Acme an.",
      "Die empfohlene Person wird Kunde: Die empfohlene Person erhält 100 $ Guthaben. | Sie erhalten 100 $ Guthaben. Die Prämie wird 14 Tage zurückgehalten und dann freigegeben.",
      "Prämien erhalten: Jede Prämie wird nach Ablauf ihrer Haltefrist automatisch freigegeben und dann von Acme ausgezahlt. | Ihre Empfehlungen und Prämien sehen Sie in Ihrem Acme-Konto.",
    ]);
  });

  it("percent of the deal with a cap, and recurring renewals with their limits", () => {
    const rules: RulesetInput = {
      rules: [
        credit({
          id: "p",
          kind: "cash",
          amount: { type: "percent", percent: 20 },
          currency: "EUR",
          member_cap: { count: 10, amount: 100_000 },
        }),
        {
          id: "renewals",
          trigger: "renewed",
          recipient: "member",
          kind: "cash",
          amount: { type: "percent", percent: 10.5 },
          max_occurrences: 12,
          max_months: 24,
        },
      ],
    };
    const [, , customer, renewal, payout] = lines(rules);
    expect(customer).toBe(
      "Your friend becomes a customer: You get 20% of what they pay (on payments in EUR). You can earn it up to 10 times, up to €1,000 in cash in total.",
    );
    expect(renewal).toBe(
      "Your friend renews: You get 10.5% of each renewal payment in their first 24 months, up to 12 times per customer.",
    );
    expect(payout).toContain("Rewards are approved automatically, and Acme then pays them out.");
    const [, , kunde, verlaengerung] = lines(rules, "de");
    expect(kunde).toBe(
      "Die empfohlene Person wird Kunde: Sie erhalten 20 % des gezahlten Betrags (bei Zahlungen in EUR). Sie können diese Prämie bis zu 10-mal erhalten, insgesamt höchstens 1.000 € in bar.",
    );
    expect(verlaengerung).toBe(
      "Die empfohlene Person verlängert: Sie erhalten 10,5 % jeder Verlängerungszahlung in den ersten 24 Monaten, höchstens 12-mal pro Empfehlung.",
    );
  });

  it("tiers, milestones, plans, held and manual rewards, stacking and raffle", () => {
    const rules: RulesetInput = {
      approval: "manual",
      rules: [
        credit({ id: "t1", kind: "gift_card", amount: { type: "flat", value: 5_000 }, hold_days: 30, tier: { to: 4 } }),
        credit({ id: "t2", kind: "gift_card", hold_days: 30, tier: { from: 5 } }),
        credit({ id: "m", kind: "cash", amount: { type: "flat", value: 25_000 }, milestone: { at: 3 } }),
        {
          id: "f",
          trigger: "converted",
          recipient: "friend",
          kind: "free_months",
          amount: { type: "flat", value: 2 },
          milestone: { at: 5, repeat: true },
        },
        credit({
          id: "plans",
          amount: { type: "by_plan", plans: { starter: 5_000, growth: 10_000 }, default: 2_000 },
          while_active: true,
        }),
      ],
      stacking_discount: { percent_per_referral: 5, max_percent: 30 },
      raffle: { entries: { lead: 1, converted: 5 } },
    };
    const all = steps(rules);
    expect(all.map((s) => s.title)).toEqual([
      "Share your link",
      "Your friend signs up",
      "Your friend becomes a customer",
      "Get your rewards",
    ]);
    expect(all[1]?.items[1]).toBe("You get 1 entry in the monthly raffle.");
    expect(all[2]?.items).toEqual([
      "You get a $50 gift card for each of your first four customers. It is held for 30 days before it is approved.",
      "You get a $100 gift card for every customer from your fifth on. It is held for 30 days before it is approved.",
      "You get $250 in cash for your third customer.",
      "Your friend gets 2 free months if they are your 5th, 10th, 15th … customer.",
      "You get up to $100 in account credit. The amount depends on their plan: $50 on starter, $100 on growth; $20 on any other plan. It lasts only while they remain a customer.",
      "You get 5 entries in the monthly raffle.",
      "You get 5% off your own plan for every customer you refer who stays, up to 30% in total.",
    ]);
    expect(all[3]?.items[0]).toBe("Acme reviews each reward before approving and paying it out.");
    const de = steps(rules, "de");
    expect(de[2]?.items.slice(0, 4)).toEqual([
      "Sie erhalten einen Geschenkgutschein über 50 $ für Ihre ersten 4 erfolgreichen Empfehlungen. Die Prämie wird 30 Tage zurückgehalten und dann freigegeben.",
      "Sie erhalten einen Geschenkgutschein über 100 $ für jede erfolgreiche Empfehlung ab der 5. Die Prämie wird 30 Tage zurückgehalten und dann freigegeben.",
      "Sie erhalten 250 $ in bar für Ihre 3. erfolgreiche Empfehlung.",
      "Die empfohlene Person erhält 2 Gratismonate, wenn sie Ihre 5., 10., 15. … erfolgreiche Empfehlung ist.",
    ]);
    expect(de[3]?.items[0]).toBe("Acme prüft jede Prämie, bevor sie freigegeben und ausgezahlt wird.");
  });

  it("lead-triggered and qualified rewards wait for the sign-up to be confirmed; spend and deal thresholds", () => {
    const rules: RulesetInput = {
      rules: [
        credit({
          id: "lead",
          trigger: "lead",
          amount: { type: "flat", value: 1_000 },
          hold_days: 7,
          member_cap: { count: 1 },
        }),
        {
          id: "q",
          trigger: "qualified",
          recipient: "friend",
          kind: "discount_percent",
          amount: { type: "flat", value: 15 },
        },
        credit({ id: "spend", kind: "coupon", amount: { type: "flat", value: 2_500 }, min_spend_cents: 50_000 }),
        {
          id: "shirt",
          trigger: "converted",
          recipient: "friend",
          kind: "custom",
          description: "a T-shirt",
          amount: { type: "flat", value: 1 },
          currency: "USD",
          min_value_cents: 100_000,
        },
      ],
    };
    expect(lines(rules).slice(1, 4)).toEqual([
      "Your friend signs up: They sign up for Acme through your link (within 90 days of opening it) or with your code. | You get $10 in account credit. It is approved only once Acme has confirmed the sign-up. It is held for 7 days before it is approved. You can earn it once.",
      "Your friend qualifies: Acme confirms that the sign-up is a genuine prospect. | Your friend gets 15% off.",
      "Your friend becomes a customer: You get a $25 coupon once they have spent $500 in total. | Your friend gets a T-shirt on a deal worth at least $1,000.",
    ]);
    expect(lines(rules, "de")[1]).toContain(
      "Sie erhalten 10 $ Guthaben. Die Prämie wird erst freigegeben, wenn Acme die Anmeldung bestätigt hat.",
    );
  });

  it("friend rewards on tiers say which referrals they are for", () => {
    const friend = (tier: { from?: number; to?: number }) =>
      steps({ rules: [credit({ recipient: "friend", tier })] })[2]?.items[0];
    expect(friend({ to: 1 })).toBe("Your friend gets $100 in account credit if they are your first customer.");
    expect(friend({ to: 3 })).toBe(
      "Your friend gets $100 in account credit if they are among your first three customers.",
    );
    expect(friend({ from: 4 })).toBe(
      "Your friend gets $100 in account credit if they are your fourth customer or later.",
    );
    expect(friend({ from: 2, to: 5 })).toBe(
      "Your friend gets $100 in account credit if they are your second to fifth customer.",
    );
  });

  it("with no rules, says so, or repeats the vendor's own offer", () => {
    expect(lines({ rules: [] }).at(-1)).toBe("Your reward: Acme has not announced rewards for this program yet.");
    const own = howItWorks("en", null, { ...CTX, offerOverride: "Two months free for you both." });
    expect(own.at(-1)).toEqual({ title: "Your reward", items: ["Two months free for you both."] });
  });
});

describe("the German offer", () => {
  it("says what every referral pays, member first", () => {
    const parse = (input: RulesetInput) => rulesetSchema.parse(input);
    const germanOffer = (config: Parameters<typeof offerInGerman>[0]) => plain(offerInGerman(config));
    expect(germanOffer(parse(twoSidedRules({ give: 10_000, get: 10_000, currency: "EUR" })))).toBe(
      "Sie erhalten 100 € Guthaben für jede erfolgreiche Empfehlung, die empfohlene Person erhält 100 € Guthaben.",
    );
    expect(germanOffer(parse(twoSidedRules({ get: 5_000, currency: "USD", kind: "cash" })))).toBe(
      "Sie erhalten 50 $ in bar für jede erfolgreiche Empfehlung.",
    );
    expect(germanOffer(parse({ rules: [credit({ milestone: { at: 3 } })] }))).toBe(
      "Sie erhalten 100 $ Guthaben für Ihre 3. erfolgreiche Empfehlung.",
    );
    expect(
      germanOffer(parse({ rules: [credit({ id: "a" }), credit({ id: "b", kind: "cash", tier: { from: 5 } })] })),
    ).toBe(
      "Sie erhalten 100 $ Guthaben für jede erfolgreiche Empfehlung. Dazu erhalten Sie 100 $ in bar für jede erfolgreiche Empfehlung ab der 5.",
    );
    expect(germanOffer(parse({ rules: [], stacking_discount: { percent_per_referral: 5, max_percent: 20 } }))).toBe(
      "Sie erhalten Prämien für Ihre Empfehlungen.",
    );
    expect(germanOffer(parse({ rules: [] }))).toBe("");
    expect(germanOffer(null)).toBe("");
  });
});

describe("the page's language", () => {
  it("?lang, then the program's setting, then Accept-Language by weight, then English", () => {
    expect(pickLanguage("de", "en", "en")).toBe("de");
    expect(pickLanguage("fr", "de", "en")).toBe("de");
    expect(pickLanguage(undefined, null, "de-AT,de;q=0.9,en;q=0.8")).toBe("de");
    expect(pickLanguage(undefined, null, "fr-FR,fr;q=0.9,en;q=0.8,de;q=0.7")).toBe("en");
    expect(pickLanguage(undefined, null, "en;q=0.5, de;q=0.6")).toBe("de");
    expect(pickLanguage(undefined, null, "de;q=0, en")).toBe("en");
    expect(pickLanguage(undefined, null, undefined)).toBe("en");
    expect(fromAcceptLanguage("fr, *")).toBeNull();
  });
});

describe("defaults and rendering", () => {
  const settings = {
    name: "Acme",
    attributionWindowDays: 30,
    attributionModel: "last" as const,
    blockSameDomain: false,
  };

  it("default FAQ and terms follow the program's settings", () => {
    const config = rulesetSchema.parse(twoSidedRules({ give: 1_000, get: 1_000, currency: "USD" }));
    const faq = defaultFaq("en", settings, config);
    expect(faq.map((e) => e.q)).toContain("Can I refer myself?");
    expect(faq.find((e) => e.q === "Can I refer myself?")?.a).toMatch(/^No\./);
    expect(faq.find((e) => e.q.startsWith("Who counts"))?.a).toBe(
      "Someone new to Acme who signs up through your link or with your code. A link counts for 30 days after it is opened.",
    );
    expect(faq.find((e) => e.q.includes("credit"))?.a).toBe("Whoever's link they opened last.");
    expect(faq[0]?.a).toContain("held for up to 14 days");
    expect(defaultFaq("de", settings, config)[2]).toMatchObject({ q: "Kann ich mich selbst empfehlen?" });
    expect(defaultTerms("en", settings, config)).not.toContain("your own company");
    expect(defaultTerms("de", { ...settings, blockSameDomain: true }, config)).toContain(
      "Empfehlungen innerhalb des eigenen Unternehmens",
    );
  });

  it("escapes, validates the colour and picks readable text on it", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
    expect(brandColor("#0F766E")).toBe("#0f766e");
    expect(brandColor("red;}body{display:none")).toBe("#4f46e5");
    expect(textOn("#0f766e")).toBe("#ffffff");
    expect(textOn("#fde047")).toBe("#111827");
  });

  it("renders every piece of vendor text escaped, and no script", () => {
    const evil = `</title><script>alert(1)</script>`;
    const { html, style } = renderPage({
      lang: "en",
      url: "https://api.test/p/acme",
      alternates: { en: "https://api.test/p/acme?lang=en", de: "https://api.test/p/acme?lang=de" },
      name: evil,
      brandColor: "#123456",
      logoUrl: "javascript:alert(1)",
      landingUrl: "javascript:alert(2)",
      testMode: false,
      offer: evil,
      steps: [{ title: evil, items: [evil] }],
      faq: [{ q: evil, a: `${evil}\n\n"quoted"` }],
      terms: evil,
    });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain("javascript:");
    expect(html).toContain("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("<p>&quot;quoted&quot;</p>");
    expect(style).toContain("--brand:#123456");
    expect(html).toContain(`<style>${style}</style>`);
  });
});
