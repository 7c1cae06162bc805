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
 * Does nothing outside a browser, so it is safe to call during server-side rendering.
 */
export function init(config: TrackerConfig): VouchCommand {
  if (typeof window === "undefined" || typeof document === "undefined") return idle;
  started ??= createTracker(config);
  return started;
}
