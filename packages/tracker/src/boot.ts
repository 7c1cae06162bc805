import { createTracker } from "./tracker";

/**
 * `window.vouch`: the page's queue stub (`window.vouch = window.vouch || function () { (vouch.q = vouch.q
 * || []).push(arguments) }`), or the function of whichever Vouch script (tracker, widget) loaded last.
 */
export interface QueueStub {
  (command: string, arg?: unknown): unknown;
  /** Each entry is the `arguments` object of an early call (iterable, so it spreads like an array). */
  q?: [command: string, arg?: unknown][];
  /** Set once a tracker runs on the page (the widget sets `loaded`). */
  tracker?: 1;
}

/**
 * Starts the tracker from its `<script data-key="vch_pk_…">` tag. Configuration comes from data
 * attributes only, so a page with a strict CSP needs no inline script at all.
 *
 * `window.vouch` is shared with the widget (widget.js), which may load before or after: the tracker
 * wraps whatever is there. Its function handles the tracker's commands (`lead`, `consent`) and passes
 * every call on to the previous function, which handles the widget's or, while that is still the stub,
 * queues them for it. The queue is kept (copied onto the new function with the flags): the tracker
 * replays the early calls it owns and leaves the rest for the widget to replay when it loads.
 */
export function bootFromScriptTag(script: HTMLScriptElement | null, host: { vouch?: QueueStub }): void {
  try {
    const data = script?.dataset;
    const previous = host.vouch;
    // `tracker`: a second copy of the tag must not record the visit twice.
    if (data?.key && !previous?.tracker) {
      const tracker = createTracker({
        key: data.key,
        api: data.api || new URL(script!.src).origin,
        // `match`, not `split`: `data-params=" via"` has no empty name in it.
        params: data.params?.match(/[^\s,]+/g) as string[] | undefined,
        domain: data.domain,
        consent: data.consent,
      });
      if (__LEAD__ || __CONSENT__) {
        host.vouch = Object.assign(
          (command: string, arg?: unknown) => {
            tracker(command, arg);
            return previous?.(command, arg);
          },
          previous,
          { tracker: 1 as const },
        );
        for (const args of previous?.q ?? []) tracker(...args);
      } else {
        // The base script has no commands: it only marks the page's function (or a placeholder).
        // biome-ignore lint/suspicious/noAssignInExpressions: the shortest form; this is the size-capped base script.
        ((previous || (host.vouch = () => {})) as QueueStub).tracker = 1;
      }
    }
  } catch {}
}
