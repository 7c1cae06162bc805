import { readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { meResponse } from "./fixtures";

const esmDir = path.join(import.meta.dirname, "../../dist/esm");

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = "";
});

describe("ESM build (dist/esm, built by `pnpm test`)", () => {
  it("keeps the panel in its own chunk behind a dynamic import", () => {
    const files = readdirSync(esmDir);
    expect(files).toContain("index.mjs");
    expect(files.some((f) => /^mount-[A-Z0-9]+\.mjs$/.test(f))).toBe(true);
  });

  it("initialises, opens the lazily imported panel and destroys cleanly", async () => {
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify(meResponse()), { status: 200 }));
    const entry = path.join(esmDir, "index.mjs");
    const widget = (await import(/* @vite-ignore */ entry)) as typeof import("../../src/esm");
    await widget.init({ key: "vch_pk_test", api: "http://api.test" });
    expect(document.querySelector("vouch-callout")).not.toBeNull();
    await widget.open();
    expect(document.querySelector("vouch-panel")?.shadowRoot?.querySelector('[role="dialog"]')).not.toBeNull();
    await widget.destroy();
    expect(document.body.innerHTML).toBe("");
  });
});
