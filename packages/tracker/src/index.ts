/**
 * The bundler entry: `import { init } from "@vouch/tracker"`. Same behaviour as the script tag, with lead
 * capture and the consent gate built in.
 *
 *   const vouch = init({ key: "vch_pk_…", api: "https://api.vouch.example", consent: "required" });
 *   vouch("consent", true);
 *   vouch("lead", { email, name, company });
 */
import { createTracker } from "./tracker";
import type { TrackerConfig, VouchCommand } from "./types";

export type { LeadFields, StoredReferral, TrackerConfig, VouchCommand } from "./types";

const idle: VouchCommand = () => {};
let started: VouchCommand | undefined;

/**
 * Starts the tracker for this page and returns `vouch(command, arg)`. Once per page: a second call (a
 * re-mounted component, hot reload) returns the same function instead of recording the visit again.
 * Does nothing outside a browser, so it is safe to call during server-side rendering. Never throws: with a
 * config it cannot start from (no `api`) it returns a function that does nothing.
 */
export function init(config: TrackerConfig): VouchCommand {
  if (typeof window === "undefined" || typeof document === "undefined") return idle;
  try {
    started ??= createTracker(config);
  } catch {
    // A config the tracker cannot start from (no `api`, no object at all) must not break the host app.
  }
  return started ?? idle;
}
