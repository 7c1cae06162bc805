import { mountPanel } from "./mount";

/** widget-panel.js: registers itself for the loader, which injected this script on first open. */
window.__vouchPanel = { mountPanel };
