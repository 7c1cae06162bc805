import { createApiClient } from "./api";
import { buildCallout } from "./callout";
import { adoptStyles, applyBrand, bodyReady, createHost, deepActiveElement, warn } from "./dom";
import { buildNudge, type Nudge } from "./nudge";
import { CALLOUT_STRINGS, resolveLocale } from "./strings";
import type { ApiClient, InitOptions, MeResponse, PanelHandle, PanelModule } from "./types";

export const CALLOUT_SELECTOR = "[data-vouch-callout]";

/** What differs between the script-tag build and the ESM build. */
export interface WidgetEnvironment {
  defaults: {
    key?: string | undefined;
    api?: string | undefined;
    nonce?: string | undefined;
    locale?: string | undefined;
    launcher?: boolean;
  };
  loadPanel(nonce: string | undefined): Promise<PanelModule>;
}

export type VouchCommand = (command: string, options?: unknown) => Promise<void>;

interface Session {
  fingerprint: string;
  api: ApiClient;
  nonce: string | undefined;
  locale: string;
  strings: Record<string, string>;
  launcher: boolean;
  ready: Promise<MeResponse | undefined>;
  /** True until `ready` settles. */
  pending: boolean;
  data?: MeResponse;
}

/**
 * The widget's state machine behind `vouch(…)`. Every command is guarded: nothing here throws into the
 * host page; problems become one `[vouch] code: message` console warning.
 */
export function createWidget(env: WidgetEnvironment): VouchCommand {
  /** Bumped by every init/destroy, so answers that arrive for an older session are ignored. */
  let generation = 0;
  let session: Session | undefined;
  const callouts = new Map<Element, HTMLElement>();
  let launcher: HTMLElement | undefined;
  let nudgeHost: HTMLElement | undefined;
  let panel: { host: HTMLElement; handle: PanelHandle; opener: HTMLElement | null } | undefined;
  let opening: Promise<void> | undefined;
  let observer: MutationObserver | undefined;
  let syncQueued = false;

  function init(options: InitOptions = {}): Promise<void> {
    const key = options.key ?? env.defaults.key;
    const apiOrigin = options.api ?? env.defaults.api;
    if (!key || !apiOrigin) {
      warn("missing_key", "Set data-key on the script tag (and data-api when the API is on another origin).");
      return Promise.resolve();
    }
    const fingerprint = JSON.stringify([key, apiOrigin, options]);
    // An SPA may call init on every route change: same person, same options → just re-attach callouts.
    // After a failed enrolment (retries exhausted, a refused signature) the same call enrols again instead.
    if (session?.fingerprint === fingerprint && (session.pending || session.data)) {
      if (session.data) syncCallouts();
      return session.ready.then(() => undefined);
    }
    teardown();
    const current = ++generation;
    const api = createApiClient(apiOrigin, key);
    const locale = resolveLocale(options.locale, env.defaults.locale, document.documentElement.lang);
    const next: Session = {
      fingerprint,
      api,
      nonce: options.nonce ?? env.defaults.nonce,
      locale,
      strings: { ...CALLOUT_STRINGS.en, ...CALLOUT_STRINGS[locale], ...options.strings },
      launcher: options.launcher ?? env.defaults.launcher ?? true,
      pending: true,
      ready: api
        .enrol({
          member: options.member,
          signature: options.signature,
          timestamp: options.timestamp,
          token: options.token,
        })
        .then(async (result) => {
          if (current !== generation) return undefined;
          if (!result.ok) {
            warn(result.error.code, result.error.message);
            return undefined;
          }
          // init may run from <head> and the API answer before <body> exists: mount once it does.
          await bodyReady();
          if (current !== generation) return undefined;
          next.data = result.data;
          startObserving();
          syncCallouts();
          // A nudge a server moment left (e.g. a renewal): shown once, now.
          if (result.data.nudge) showNudge(next, result.data.nudge);
          return result.data;
        })
        .catch((err: unknown) => {
          warn("internal_error", String((err as Error)?.message ?? err));
          return undefined;
        })
        .finally(() => {
          next.pending = false;
        }),
    };
    session = next;
    return next.ready.then(() => undefined);
  }

  /**
   * Puts a callout in every `[data-vouch-callout]`; with none on the page, shows the floating launcher. A member
   * the program's eligibility rules leave out gets neither (`vouch('open')` still opens the panel).
   */
  function syncCallouts(): void {
    const data = session?.data;
    if (!session || !data || !document.body) return;
    const eligible = data.eligible !== false;
    for (const [placeholder, host] of callouts) {
      if (!eligible || !placeholder.isConnected || host.parentNode !== placeholder) {
        host.remove();
        callouts.delete(placeholder);
      }
    }
    for (const placeholder of eligible ? document.querySelectorAll(CALLOUT_SELECTOR) : []) {
      if (callouts.has(placeholder)) continue;
      const host = buildCallout({ mode: "inline", ...calloutOptions(session, data) });
      placeholder.appendChild(host);
      callouts.set(placeholder, host);
    }
    const wantLauncher = eligible && session.launcher && callouts.size === 0;
    if (wantLauncher && !launcher?.isConnected) {
      launcher = buildCallout({ mode: "launcher", ...calloutOptions(session, data) });
      document.body.appendChild(launcher);
    } else if (!wantLauncher && launcher) {
      launcher.remove();
      launcher = undefined;
    }
  }

  function calloutOptions(s: Session, data: MeResponse) {
    return {
      data,
      strings: s.strings,
      nonce: s.nonce,
      onOpen: () => void open(),
      onIntent: () => void env.loadPanel(s.nonce).catch(() => undefined),
    };
  }

  /** SPAs replace parts of the page; callouts follow their placeholders without the host calling init again. */
  function startObserving(): void {
    if (observer || typeof MutationObserver !== "function") return;
    observer = new MutationObserver(() => {
      if (syncQueued) return;
      syncQueued = true;
      setTimeout(() => {
        syncQueued = false;
        syncCallouts();
      }, 30);
    });
    observer.observe(document.documentElement, { childList: true, subtree: true });
  }

  /** The one-time nudge of a moment (src/nudge.ts); a click opens the panel; both are counted. */
  function showNudge(s: Session, nudge: Nudge): void {
    const data = s.data;
    if (!data || data.eligible === false || session !== s) return;
    nudgeHost?.remove();
    nudgeHost = buildNudge({
      nudge,
      locale: s.locale,
      strings: s.strings,
      brand: data.program.brand_color,
      nonce: s.nonce,
      above: Boolean(launcher?.isConnected),
      onAction: (action) => {
        nudgeHost = undefined;
        void s.api.recordNudge(data.member_token, nudge.id, action);
        if (action === "clicked") void open();
      },
    });
    document.body.appendChild(nudgeHost);
  }

  /** `vouch('moment', 'renewed')`: the API decides whether this member gets a nudge now (once per cooldown). */
  async function moment(name: unknown): Promise<void> {
    if (!session) {
      warn("not_initialised", "Call vouch('init', { member, signature }) before vouch('moment', name).");
      return;
    }
    const s = session;
    const data = await s.ready;
    if (!data || session !== s || data.eligible === false || !data.member_token) return;
    const result = await s.api.recordMoment(data.member_token, String(name));
    if (!result.ok) return warn(result.error.code, result.error.message);
    if (result.data.nudge) showNudge(s, result.data.nudge);
  }

  async function open(): Promise<void> {
    if (!session) {
      warn("not_initialised", "Call vouch('init', { member, signature }) before vouch('open').");
      return;
    }
    if (panel) return;
    if (opening) return opening;
    const current = generation;
    const s = session;
    const opener = deepActiveElement();
    opening = (async () => {
      const data = await s.ready;
      if (!data || current !== generation) return;
      let module: PanelModule;
      try {
        module = await env.loadPanel(s.nonce);
      } catch (err) {
        warn("panel_unavailable", String((err as Error)?.message ?? err));
        return;
      }
      if (current !== generation || panel) return;
      const { host, root } = createHost("vouch-panel");
      applyBrand(host, data.program.brand_color);
      document.body.appendChild(host);
      const handle = module.mountPanel(root, {
        data,
        api: s.api,
        locale: s.locale,
        strings: s.strings,
        adoptStyles: (shadow, css) => adoptStyles(shadow, css, s.nonce),
        onClose: close,
        onDataChange: (next) => {
          if (session === s) s.data = next;
        },
      });
      panel = { host, handle, opener };
    })().finally(() => {
      opening = undefined;
    });
    return opening;
  }

  function close(): void {
    if (!panel) return;
    const { host, handle, opener } = panel;
    panel = undefined;
    handle.unmount();
    host.remove();
    if (opener?.isConnected) opener.focus();
  }

  function teardown(): void {
    generation++;
    close();
    for (const host of callouts.values()) host.remove();
    callouts.clear();
    launcher?.remove();
    launcher = undefined;
    nudgeHost?.remove();
    nudgeHost = undefined;
    observer?.disconnect();
    observer = undefined;
    session = undefined;
  }

  return async (command, options) => {
    try {
      switch (command) {
        case "init":
          return await init(options as InitOptions);
        case "open":
          return await open();
        case "close":
          return close();
        case "destroy":
          return teardown();
        case "moment":
          return await moment(options);
        default:
          warn(
            "unknown_command",
            `vouch('${String(command)}') is not a command: use init, open, close, moment or destroy.`,
          );
      }
    } catch (err) {
      warn("internal_error", String((err as Error)?.message ?? err));
    }
  };
}
