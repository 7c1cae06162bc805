import { warn } from "./dom";
import type { PanelModule } from "./types";
import { createWidget, type VouchCommand } from "./widget";

/**
 * widget.js: `<script async src=".../widget.js" data-key="vch_pk_…">` plus the queue stub
 * `window.vouch = window.vouch || function(){(vouch.q=vouch.q||[]).push(arguments)}`.
 * Replays the queued calls it owns, then answers `vouch(…)` directly.
 *
 * `window.vouch` is shared with the tracker (vouch*.js), which a vendor may put on the same page and which
 * may load before or after the widget. Whichever loads second wraps the first: it handles its own
 * commands and passes the rest on to the previous function (the other script, or the stub, which queues
 * them for the other script). The queue and the flags are copied onto the new function and the queue is
 * left in place, so whichever loads second replays the early calls that are its own.
 */
type VouchGlobal = ((...args: unknown[]) => unknown) & {
  q?: ArrayLike<unknown>[];
  /** This widget runs on the page. */
  loaded?: boolean;
  /** The tracker runs on the page. */
  tracker?: 1;
};

/** The tracker's commands: the widget leaves them to it. Everything else is the widget's (or a typo it warns about). */
const TRACKER_COMMANDS: unknown[] = ["lead", "consent"];

declare global {
  interface Window {
    vouch?: VouchGlobal;
    /** Set by widget-panel.js when it runs. */
    __vouchPanel?: PanelModule;
  }
}

function start(): void {
  const previous = window.vouch;
  if (previous?.loaded) return; // the script was included twice: the first copy stays in charge
  const script = document.currentScript as HTMLScriptElement | null;
  const scriptUrl = script?.src || "";
  const data = script?.dataset ?? {};
  let apiOrigin = data.api;
  if (!apiOrigin && scriptUrl) apiOrigin = new URL(scriptUrl).origin;

  let panel: Promise<PanelModule> | undefined;
  const loadPanel = (nonce: string | undefined): Promise<PanelModule> => {
    panel ??= new Promise<PanelModule>((resolve, reject) => {
      if (window.__vouchPanel) return resolve(window.__vouchPanel);
      const tag = document.createElement("script");
      tag.src = new URL(`widget-panel.js?v=${__VOUCH_PANEL_VERSION__}`, scriptUrl || location.href).href;
      tag.async = true;
      if (nonce) tag.nonce = nonce;
      tag.onload = () => {
        tag.remove(); // it has run; leave no node behind on the host page
        if (window.__vouchPanel) resolve(window.__vouchPanel);
        else reject(new Error("widget-panel.js loaded but did not register"));
      };
      tag.onerror = () => {
        tag.remove();
        reject(new Error(`could not load ${tag.src}`));
      };
      document.head.appendChild(tag);
    }).catch((err: unknown) => {
      panel = undefined; // a later open may retry (flaky network)
      throw err;
    });
    return panel;
  };

  const widget: VouchCommand = createWidget({
    defaults: {
      key: data.key,
      api: apiOrigin,
      nonce: script?.nonce || undefined,
      locale: data.locale,
      launcher: data.launcher !== "false",
    },
    loadPanel,
  });

  const queued = Array.from(previous?.q ?? []);
  window.vouch = Object.assign(
    (command: unknown, options?: unknown) =>
      TRACKER_COMMANDS.includes(command) ? previous?.(command, options) : widget(String(command), options),
    previous,
    { loaded: true },
  );
  for (const args of queued) {
    const [command, options] = Array.from(args);
    if (!TRACKER_COMMANDS.includes(command)) widget(String(command), options);
  }
}

try {
  start();
} catch (err) {
  warn("loader_failed", String(err));
}
