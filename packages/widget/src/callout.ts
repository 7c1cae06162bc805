import baseCss from "./base.css?raw";
import calloutCss from "./callout.css?raw";
import { adoptStyles, applyBrand, createHost } from "./dom";
import { isPaused, withProgram } from "./paused";
import type { MeResponse } from "./types";

export interface CalloutOptions {
  mode: "inline" | "launcher";
  data: MeResponse;
  strings: Record<string, string>;
  nonce: string | undefined;
  onOpen(): void;
  onIntent(): void;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** A gift icon built node by node: no innerHTML, so Trusted Types pages have nothing to object to. */
function giftIcon(): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  for (const d of [
    "M20 12v9H4v-9",
    "M2 7h20v5H2z",
    "M12 21V7",
    "M12 7H7.5a2.5 2.5 0 1 1 0-5C11 2 12 7 12 7z",
    "M12 7h4.5a2.5 2.5 0 1 0 0-5C13 2 12 7 12 7z",
  ]) {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
  }
  return svg;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  // textContent, never innerHTML: the offer text comes from the API.
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The "Refer & earn" callout: plain DOM in its own shadow root, so Preact stays out of the loader. */
export function buildCallout(options: CalloutOptions): HTMLElement {
  const { host, root } = createHost("vouch-callout");
  host.setAttribute("mode", options.mode);
  applyBrand(host, options.data.program.brand_color);
  adoptStyles(root, baseCss + calloutCss, options.nonce);

  const { data, strings } = options;
  // A suspended member is told their link is paused, politely, instead of being offered it; the button still
  // opens the panel, which shows their referrals so far.
  const paused = isPaused(data);
  const offer = paused ? withProgram(strings.paused, data.program.name) : String(data.program.offer_text ?? "");
  const cta = (paused ? strings.pausedCta : strings.cta) ?? "";
  const wrapper = el("div", "root");
  const button = el("button");
  button.type = "button";
  button.setAttribute("aria-haspopup", "dialog");
  button.setAttribute("part", "button");

  if (options.mode === "launcher") {
    button.className = "launcher";
    const label = paused ? cta : strings.launcherLabel;
    button.setAttribute("aria-label", offer ? `${label}. ${offer}` : `${label}`);
    const line = el("span", "cta-line");
    line.append(giftIcon(), el("span", undefined, cta));
    button.append(line);
    if (offer) button.append(el("small", undefined, offer));
    wrapper.append(button);
  } else {
    const card = el("div", paused ? "card paused" : "card");
    card.setAttribute("part", "callout");
    button.textContent = cta;
    // No offer (a program without rules or text of its own): just the button, no icon on an empty line.
    if (offer) {
      const line = el("p", "offer");
      if (!paused) line.append(giftIcon());
      line.append(el("span", undefined, offer));
      card.append(line);
    }
    card.append(button);
    wrapper.append(card);
  }
  button.addEventListener("click", () => options.onOpen());
  // Start fetching the panel chunk when the pointer or focus arrives, so the click opens it sooner.
  button.addEventListener("pointerenter", () => options.onIntent(), { once: true });
  button.addEventListener("focus", () => options.onIntent(), { once: true });
  root.append(wrapper);
  return host;
}
