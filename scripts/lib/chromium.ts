import { type Browser, chromium, type LaunchOptions } from "playwright-core";

/** The Chromium the browser tests and benches drive: the system one, or `CHROMIUM_PATH`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless, and quiet: no sandbox, GPU, updates, sync or first-run chatter. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Launches Chromium with the shared flags; `args` are added after them, other options passed through. */
export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const { args = [], ...rest } = options;
  return chromium.launch({ executablePath: CHROMIUM_PATH, ...rest, args: [...FLAGS, ...args] });
}
