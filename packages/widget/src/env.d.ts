declare module "*.css?raw" {
  const css: string;
  export default css;
}

/** Content hash of dist/widget-panel.js, injected by build.mjs. */
declare const __VOUCH_PANEL_VERSION__: string;
