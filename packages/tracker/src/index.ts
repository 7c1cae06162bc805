/**
 * The bundler entry: `import { init } from "@vouch/tracker"`. Same behaviour as the script tag, with lead
 * capture and the consent gate built in.
 */
import { createTracker } from "./tracker";
import type { TrackerConfig, VouchCommand } from "./types";

export type { LeadFields, StoredReferral, TrackerConfig, VouchCommand } from "./types";

const noop: VouchCommand = () => {};

/** Starts the tracker once per page and returns `vouch(command, arg)`. Does nothing outside a browser. */
export function init(config: TrackerConfig): VouchCommand {
  if (typeof window === "undefined" || typeof document === "undefined") return noop;
  return createTracker(config);
}
