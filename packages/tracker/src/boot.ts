import { createTracker } from "./tracker";

/** `window.vouch = window.vouch || function () { (vouch.q = vouch.q || []).push(arguments) }` */
export interface QueueStub {
  (command: string, arg?: unknown): void;
  /** Each entry is the `arguments` object of an early call (iterable, so it spreads like an array). */
  q?: [command: string, arg?: unknown][];
  loaded?: 1;
}

/**
 * Starts the tracker from its `<script data-key="vch_pk_…">` tag and takes over `window.vouch`: calls the
 * page made to the queue stub before the script loaded are replayed in order. Configuration comes from
 * data attributes only, so a page with a strict CSP needs no inline script at all.
 */
export function bootFromScriptTag(script: HTMLScriptElement | null, host: { vouch?: QueueStub }): void {
  try {
    const data = script?.dataset;
    // `loaded`: a second copy of the tag must not record the visit twice.
    if (data?.key && !host.vouch?.loaded) {
      const early = host.vouch?.q ?? [];
      const vouch: QueueStub = createTracker({
        key: data.key,
        api: data.api || new URL(script!.src).origin,
        params: data.params?.split(/[\s,]+/),
        domain: data.domain,
        consent: data.consent,
      });
      vouch.loaded = 1;
      host.vouch = vouch;
      for (const args of early) vouch(...args);
    }
  } catch {}
}
