import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { DEMO } from "../../../../scripts/lib/stack";

export { launchChromium } from "../../../../scripts/lib/chromium";
export { DEMO };

export const ARTIFACTS = path.resolve(import.meta.dirname, "../../artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

/** Reads what landed in D1 through the admin API (secret key), as a vendor's server would. */
export async function adminGet<T>(apiUrl: string, pathname: string): Promise<T> {
  const res = await fetch(`${apiUrl}${pathname}`, { headers: { authorization: `Bearer ${DEMO.secretKey}` } });
  if (!res.ok) throw new Error(`GET ${pathname} → ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Changes something through the admin API (secret key), as a vendor's server would. */
export async function adminSend<T>(apiUrl: string, method: string, pathname: string, body: unknown): Promise<T> {
  const res = await fetch(`${apiUrl}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${DEMO.secretKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${pathname} → ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export async function sharesByChannel(apiUrl: string): Promise<Record<string, number>> {
  const summary = await adminGet<{ shares: { by_channel: Record<string, number> } }>(apiUrl, "/v1/analytics/summary");
  return summary.shares.by_channel;
}

/** Collects what a host page would hate to see: uncaught errors and console errors. */
export function watchPage(page: Page) {
  const errors: string[] = [];
  const warnings: string[] = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console.error: ${msg.text()}`);
    if (msg.type() === "warning") warnings.push(msg.text());
  });
  return { errors, warnings };
}

let counter = 0;
/** A fresh member per test, at their own company domain, so tests never see each other's referrals. */
export function uniqueMember(prefix: string) {
  const id = `${prefix}_${Date.now().toString(36)}${counter++}`;
  return { id, email: `dana@${id.replace(/_/g, "-")}.example`, name: "Dana Whitfield", company: "Northwind Books" };
}

export function memberQuery(member: ReturnType<typeof uniqueMember>, extra: Record<string, string> = {}) {
  return new URLSearchParams({
    member: member.id,
    email: member.email,
    name: member.name,
    company: member.company,
    ...extra,
  }).toString();
}
