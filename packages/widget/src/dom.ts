/** Shadow-root hosting and styling that survive hostile host pages and strict CSP. */

const sheetCache = new Map<string, CSSStyleSheet>();

export function createHost(tag: string): { host: HTMLElement; root: ShadowRoot } {
  const host = document.createElement(tag);
  // Open, like Sentry's widget: hosts and tests can inspect it; isolation comes from the shadow boundary.
  const root = host.attachShadow({ mode: "open" });
  return { host, root };
}

/**
 * Constructable stylesheets are not inline styles, so a CSP `style-src` without 'unsafe-inline' allows
 * them. Only browsers without them get a `<style>` element, carrying the page's nonce: a strict page must
 * list that nonce in `style-src` as well as `script-src` (see README.md, "Content Security Policy").
 */
export function adoptStyles(root: ShadowRoot, css: string, nonce?: string): void {
  try {
    if (
      "adoptedStyleSheets" in root &&
      typeof CSSStyleSheet === "function" &&
      "replaceSync" in CSSStyleSheet.prototype
    ) {
      let sheet = sheetCache.get(css);
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        sheetCache.set(css, sheet);
      }
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
      return;
    }
  } catch {
    // fall through to the <style> element
  }
  const style = document.createElement("style");
  if (nonce) style.nonce = nonce;
  style.textContent = css;
  root.appendChild(style);
}

/** Resolves once `document.body` exists: a script in `<head>` may get its API answer before the parser gets there. */
export function bodyReady(): Promise<void> {
  if (document.body) return Promise.resolve();
  return new Promise((resolve) => document.addEventListener("DOMContentLoaded", () => resolve(), { once: true }));
}

const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** Black or white text, whichever reads better on the brand colour (WCAG relative luminance). */
export function textColorOn(hex: string): string {
  const full = hex.length === 4 ? hex.replace(/[0-9a-f]/gi, (c) => c + c) : hex;
  const channel = (i: number) => {
    const v = Number.parseInt(full.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // Contrast against white vs against near-black (#111827, luminance ≈ 0.0116).
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.0616 ? "#ffffff" : "#111827";
}

/**
 * The program's colour goes on the host as a custom property, set through the CSSOM (allowed under CSP).
 * The stylesheet prefers the page's own `--vouch-brand`, so a host can still re-theme the widget.
 */
export function applyBrand(host: HTMLElement, brandColor: unknown): void {
  if (typeof brandColor !== "string" || !HEX_COLOR.test(brandColor)) return;
  host.style.setProperty("--vouch-program-brand", brandColor);
  host.style.setProperty("--vouch-program-brand-text", textColorOn(brandColor));
}

/** The focused element, looking through open shadow roots (ours included). */
export function deepActiveElement(): HTMLElement | null {
  let active = document.activeElement as HTMLElement | null;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement as HTMLElement;
  return active;
}

/** Only http(s) links from the API become hrefs; anything else (javascript:, data:) is dropped. */
export function safeHttpUrl(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function warn(code: string, message: string): void {
  try {
    console.warn(`[vouch] ${code}: ${message}`);
  } catch {
    // a page that replaced console with something broken must not break the widget
  }
}
