import { env, SELF } from "cloudflare:test";
import { hmacSha256, toHex } from "../src/lib/crypto";
import { buildProgram } from "../src/programs/create";
import type { CreateProgramInput } from "../src/programs/schema";
import type { RulesetInput } from "../src/rewards/schema";

export const ORIGIN = "https://app.acme.test";
export const API = "https://api.vouch.test";

export interface TestProgram {
  id: string;
  slug: string;
  pk: string;
  sk: string;
  identitySecret: string;
}

let counter = 0;

/**
 * A fresh program per test so tests never see each other's rows. `rules` are written with it, the way
 * `pnpm vouch create-program --give/--get` writes them.
 */
export async function makeProgram(
  overrides: Partial<CreateProgramInput> = {},
  opts: { rules?: RulesetInput } = {},
): Promise<TestProgram> {
  counter += 1;
  const built = await buildProgram(
    {
      name: `Acme ${counter}`,
      slug: `acme-${counter}-${crypto.randomUUID().slice(0, 8)}`,
      landing_url: "https://www.acme.test/",
      allowed_origins: [ORIGIN, "https://*.acme.test"],
      offer_text: "Give $100, get $100.",
      ...overrides,
    },
    opts,
  );
  await env.DB.batch(built.statements.map((s) => env.DB.prepare(s.sql).bind(...s.params)));
  return {
    id: built.programId,
    slug: built.slug,
    pk: built.publishableKey,
    sk: built.secretKey,
    identitySecret: built.identitySecret,
  };
}

/** What the host's server does: hex HMAC-SHA256 of the member id with the identity secret. */
export async function sign(secret: string, message: string): Promise<string> {
  return toHex((await hmacSha256(secret, message)).buffer as ArrayBuffer);
}

type Json = Record<string, unknown>;

export async function browser(
  p: TestProgram,
  path: string,
  body: unknown,
  init: { origin?: string | null; key?: string; ip?: string } = {},
) {
  // Each call looks like its own visitor (a real browser elsewhere), unless a test says otherwise: the
  // fraud engine compares visitor hashes, and every request of a test would otherwise share one.
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-vouch-key": init.key ?? p.pk,
    "cf-connecting-ip": init.ip ?? `198.18.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`,
  };
  if (init.origin !== null) headers.origin = init.origin ?? ORIGIN;
  const res = await SELF.fetch(`${API}${path}`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { res, json: (await res.json()) as Json & any };
}

export async function server(
  p: TestProgram,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await SELF.fetch(`${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${p.sk}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { res, json: (text ? JSON.parse(text) : null) as Json & any };
}

/** Enrols a member through the browser API with a valid signature; returns the enrolment response. */
export async function enrol(p: TestProgram, member: { id: string; email?: string; name?: string; company?: string }) {
  const signature = await sign(p.identitySecret, member.id);
  const { res, json } = await browser(p, "/v1/members/me", { member, signature });
  if (res.status !== 200) throw new Error(`enrol failed: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The browser learns nothing about a lead (`202 { accepted: true }`); the vendor's server finds it by address. */
export async function referralOf(p: TestProgram, email: string): Promise<Json & any> {
  const { json } = await server(p, "GET", `/v1/referrals?email=${encodeURIComponent(email)}`);
  return json.data[0];
}

/** A friend visits through `code`'s link and the vendor's server reports the conversion with that click id. */
export async function convertThroughVisit(
  p: TestProgram,
  code: string,
  conversion: { email: string; value_cents: number; currency: string },
) {
  const visit = await browser(p, "/v1/track/visit", { code });
  return server(p, "POST", "/v1/conversions", { ...conversion, click_id: visit.json.click_id });
}

/** Polls `read` until `ready` holds (visits land through the queue consumer a moment after the request). */
export async function eventually<T>(
  read: () => Promise<T>,
  ready: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ready(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The visits of a program once `n` of them have landed. */
export function landedVisits(programId: string, n: number) {
  return eventually(
    async () =>
      (await env.DB.prepare("SELECT * FROM visits WHERE program_id = ? ORDER BY created_at").bind(programId).all())
        .results as (Json & any)[],
    (rows) => rows.length >= n,
  );
}
