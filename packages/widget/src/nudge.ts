import baseCss from "./base.css?raw";
import { adoptStyles, applyBrand, createHost } from "./dom";
import nudgeCss from "./nudge.css?raw";
import type { MeResponse } from "./types";

export type Nudge = NonNullable<MeResponse["nudge"]>;

export interface NudgeOptions {
  nudge: Nudge;
  locale: string;
  strings: Record<string, string>;
  brand: string;
  nonce: string | undefined;
  /** Above the floating launcher. */
  above: boolean;
  onAction(action: "clicked" | "dismissed"): void;
}

/**
 * The one-time nudge after a moment of value ("Glad that worked out — know a team that would like Ledgerly?"):
 * a small card in its own shadow root with a button that opens the share panel and a dismiss button. It is a
 * polite live region: a screen reader hears it, and focus stays where the member was (no focus theft). Esc
 * inside it dismisses it. Plain DOM and text only, like the callout.
 */
export function buildNudge(options: NudgeOptions): HTMLElement {
  const { host, root } = createHost("vouch-nudge");
  if (options.above) host.setAttribute("above", "");
  applyBrand(host, options.brand);
  adoptStyles(root, baseCss + nudgeCss, options.nonce);
  const { strings, nudge } = options;
  const card = document.createElement("div");
  card.className = "root nudge";
  card.setAttribute("role", "region");
  card.setAttribute("aria-label", strings.nudgeLabel ?? "");
  card.setAttribute("aria-live", "polite");
  card.setAttribute("part", "nudge");
  const text = document.createElement("p");
  text.textContent = (nudge.message as Record<string, string>)[options.locale] ?? nudge.message.en;
  const cta = document.createElement("button");
  cta.type = "button";
  cta.className = "cta";
  cta.textContent = strings.nudgeCta ?? "";
  cta.setAttribute("aria-haspopup", "dialog");
  const close = document.createElement("button");
  close.type = "button";
  close.className = "close";
  close.textContent = "×";
  close.setAttribute("aria-label", strings.nudgeDismiss ?? "");
  let done = false;
  const finish = (action: "clicked" | "dismissed") => {
    if (done) return;
    done = true;
    host.remove();
    options.onAction(action);
  };
  cta.addEventListener("click", () => finish("clicked"));
  close.addEventListener("click", () => finish("dismissed"));
  card.addEventListener("keydown", (event) => {
    if (event.key === "Escape") finish("dismissed");
  });
  card.append(text, cta, close);
  root.append(card);
  return host;
}
