import type { FaqEntry, PageLanguage } from "../programs/schema";
import { CHROME } from "./content";
import type { Step } from "./steps";

/**
 * The hosted program page as HTML: pure, no script, one inline `<style>` that the Content-Security-Policy allows
 * by its hash (so the page is cacheable and needs no nonce). Every value is escaped by the `html` tag below
 * unless it is markup this module built itself.
 */

/** Markup built here; anything else interpolated into `html` is escaped. */
export class Markup {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

export type Value = string | number | Markup | null | undefined | false | readonly Value[];

function piece(value: Value): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Markup) return value.value;
  if (Array.isArray(value)) return value.map(piece).join("");
  return escapeHtml(String(value));
}

/** The tagged template every page is written with (the member portal too): values are escaped unless Markup. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += piece(value) + (strings[i + 1] ?? "");
  });
  return new Markup(out);
}

export const DEFAULT_BRAND = "#4f46e5";

/** `#RRGGBB` or the default: the colour goes into CSS, so nothing else may. */
export function brandColor(value: string): string {
  return /^#[0-9a-fA-F]{6}$/.test(value) ? value.toLowerCase() : DEFAULT_BRAND;
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

/** White or near-black, whichever reads better on the brand colour (WCAG contrast). */
export function textOn(brand: string): string {
  const l = luminance(brand);
  return contrast(l, 1) >= contrast(l, luminance("#111827")) ? "#ffffff" : "#111827";
}

/** An http(s) URL as written, or null: only these go into `href` and `src`. */
export function safeUrl(value: string | null, protocols: readonly string[] = ["https:", "http:"]): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) ? url.toString() : null;
  } catch {
    return null;
  }
}

const CSS = `*{box-sizing:border-box}
body{margin:0;font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--text);background:#fff}
a{color:inherit}
:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
.wrap{max-width:44rem;margin:0 auto;padding:0 1.25rem}
.test{background:#fef3c7;color:#78350f;padding:.5rem 1.25rem;text-align:center;margin:0}
.hero{background:var(--brand);color:var(--brand-text);padding:1.25rem 0 2.5rem}
.hero nav{text-align:right;font-size:.875rem;margin-bottom:1rem}
.logo{display:block;max-height:48px;max-width:200px;margin-bottom:1.25rem;background:#fff;border-radius:6px;padding:4px}
h1{font-size:2rem;line-height:1.2;margin:0 0 .75rem}
.offer{font-size:1.25rem;margin:0}
.cta{display:inline-block;margin-top:1.5rem;background:var(--brand-text);color:var(--brand);padding:.6rem 1.1rem;border-radius:6px;font-weight:600;text-decoration:none}
.cta:hover{text-decoration:underline}
main{padding-bottom:3rem}
.missing{padding-top:3rem}
h2{font-size:1.375rem;line-height:1.3;margin:2.5rem 0 1rem}
h3{font-size:1.0625rem;line-height:1.4;margin:0 0 .25rem}
.steps{list-style:none;padding:0;margin:0;counter-reset:step}
.steps>li{counter-increment:step;position:relative;padding-left:3rem;margin-bottom:1.5rem}
.steps>li::before{content:counter(step);position:absolute;left:0;top:0;width:2rem;height:2rem;border-radius:50%;background:var(--brand);color:var(--brand-text);display:flex;align-items:center;justify-content:center;font-weight:700}
.steps ul{margin:.25rem 0 0;padding-left:1.25rem}
.steps p{margin:.25rem 0 0}
details{border-bottom:1px solid var(--line);padding:.75rem 0}
summary{cursor:pointer;font-weight:600}
details p,.terms p{margin:.5rem 0 0}
.terms{color:var(--muted)}
footer{border-top:1px solid var(--line);color:var(--muted);font-size:.875rem;padding:1.5rem 0}`;

/** The page's one stylesheet: the brand colours as custom properties, then the fixed rules. */
export function stylesheet(brand: string): string {
  const color = brandColor(brand);
  return `:root{--brand:${color};--brand-text:${textOn(color)};--text:#1f2937;--muted:#4b5563;--line:#e5e7eb}\n${CSS}`;
}

/**
 * Nothing runs, nothing loads but the logo: no script at all, the one inline style by its hash, images only from
 * the logo's origin, no forms, no `<base>`, never framed.
 */
export function contentSecurityPolicy(
  styleHash: string,
  imageOrigin: string | null,
  /** The page posts its own forms (the member portal's settings): `form-action 'self'` instead of none. */
  opts: { forms?: boolean } = {},
): string {
  return [
    "default-src 'none'",
    `style-src '${styleHash}'`,
    ...(imageOrigin ? [`img-src ${imageOrigin}`] : []),
    "base-uri 'none'",
    opts.forms ? "form-action 'self'" : "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** `sha256-…` of a stylesheet, as CSP's `style-src` names it. */
export async function styleHash(css: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(css));
  let binary = "";
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
  return `sha256-${btoa(binary)}`;
}

/** Plain text → paragraphs: a blank line starts a new one, a single newline is a line break. */
function paragraphs(text: string): Markup {
  return html`${text
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map(
      (p) =>
        html`<p>${p.split(/\r?\n/).map((line, i) => (i === 0 ? html`${line.trim()}` : html`<br>${line.trim()}`))}</p>`,
    )}`;
}

export interface PageModel {
  lang: PageLanguage;
  /** This page's address (og:url and canonical). */
  url: string;
  /** The page in each language. */
  alternates: Record<PageLanguage, string>;
  name: string;
  brandColor: string;
  logoUrl: string | null;
  landingUrl: string;
  testMode: boolean;
  offer: string;
  steps: Step[];
  faq: FaqEntry[];
  terms: string;
}

export interface Rendered {
  html: string;
  /** The inline stylesheet, whose hash the CSP must allow. */
  style: string;
}

/** A whole page: the head, then the one inline stylesheet, then the body. */
export function document(lang: PageLanguage, head: Markup, body: Markup, style: string): string {
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${head}
<style>${new Markup(style)}</style>
</head>
<body>
${body}
</body>
</html>
`.value;
}

export function renderPage(m: PageModel): Rendered {
  const t = CHROME[m.lang];
  const title = t.title(m.name);
  const description = m.offer.trim() || t.fallbackDescription(m.name);
  const logo = safeUrl(m.logoUrl, ["https:"]);
  const landing = safeUrl(m.landingUrl);
  const brand = brandColor(m.brandColor);
  const other = t.otherLanguage;
  const style = stylesheet(brand);
  const head = html`<title>${title}</title>
<meta name="description" content="${description}">
<link rel="canonical" href="${m.url}">
<link rel="alternate" hreflang="en" href="${m.alternates.en}">
<link rel="alternate" hreflang="de" href="${m.alternates.de}">
<meta name="theme-color" content="${brand}">
${m.testMode && html`<meta name="robots" content="noindex">`}
<meta property="og:type" content="website">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${m.url}">
<meta property="og:site_name" content="${m.name}">
<meta property="og:locale" content="${m.lang === "de" ? "de_DE" : "en_US"}">
${logo && html`<meta property="og:image" content="${logo}">`}
<meta name="twitter:card" content="summary">
<meta name="twitter:title" content="${title}">
<meta name="twitter:description" content="${description}">
${logo && html`<meta name="twitter:image" content="${logo}">`}`;
  const steps = m.steps.map(
    (step) =>
      html`<li><h3>${step.title}</h3>${
        step.items.length === 1
          ? html`<p>${step.items[0]}</p>`
          : html`<ul>${step.items.map((item) => html`<li>${item}</li>`)}</ul>`
      }</li>
`,
  );
  const faq = m.faq.map(
    (entry) => html`<details><summary>${entry.q}</summary>${paragraphs(entry.a)}</details>
`,
  );
  const body = html`${m.testMode && html`<p class="test" role="note">${t.testMode}</p>`}
<header class="hero"><div class="wrap">
<nav aria-label="${other.label}"><a href="${m.alternates[other.lang]}" hreflang="${other.lang}" lang="${other.lang}">${other.label}</a></nav>
${logo && html`<img class="logo" src="${logo}" alt="${t.logoAlt(m.name)}">`}
<h1>${title}</h1>
${m.offer.trim() && html`<p class="offer">${m.offer}</p>`}
${landing && html`<a class="cta" href="${landing}">${t.visit(m.name)}</a>`}
</div></header>
<main class="wrap">
<section aria-labelledby="how"><h2 id="how">${t.howItWorks}</h2>
<ol class="steps" role="list">
${steps}</ol></section>
${
  faq.length > 0 &&
  html`<section aria-labelledby="faq"><h2 id="faq">${t.faq}</h2>
${faq}</section>`
}
<section aria-labelledby="terms"><h2 id="terms">${t.terms}</h2>
<div class="terms">${paragraphs(m.terms)}</div></section>
</main>
<footer><div class="wrap">${m.name}</div></footer>`;
  return { html: document(m.lang, head, body, style), style };
}

/** What an unknown slug gets: a page, in the visitor's language, under the same policy. */
export function renderNotFound(lang: PageLanguage): Rendered {
  const t = CHROME[lang];
  const style = stylesheet(DEFAULT_BRAND);
  const head = html`<title>${t.notFoundTitle}</title>
<meta name="robots" content="noindex">`;
  const body = html`<main class="wrap missing"><h1>${t.notFoundTitle}</h1>
<p>${t.notFoundText}</p></main>`;
  return { html: document(lang, head, body, style), style };
}
