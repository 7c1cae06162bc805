import type { InitOptions, PanelModule } from "./types";
import { createWidget } from "./widget";

export type { InitOptions, MeResponse } from "./types";

let panel: Promise<PanelModule> | undefined;

/**
 * For bundlers: `import { init, open } from "@vouch/widget"`. Pass `key` and `api` to init (there is no
 * script tag to read them from). The panel stays a separate chunk behind a dynamic import.
 */
export const vouch = createWidget({
  defaults: {},
  loadPanel: () => {
    panel ??= import("./panel/mount").catch((err: unknown) => {
      panel = undefined;
      throw err;
    });
    return panel;
  },
});

export const init = (options: InitOptions) => vouch("init", options);
export const open = () => vouch("open");
export const close = () => vouch("close");
export const destroy = () => vouch("destroy");
