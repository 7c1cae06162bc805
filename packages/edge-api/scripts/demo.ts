import { buildProgram, type NewProgram } from "../src/programs/create";
import type { RulesetInput } from "../src/rewards/schema";
import { twoSidedRules } from "../src/rewards/two-sided";

/**
 * The local demo program that `pnpm dev` seeds. Its keys are fixed and public on purpose: it is in test
 * mode and only accepts the example origins. Never use these outside local development.
 */
export const DEMO = {
  programId: "prg_demo000000000000",
  publishableKey: "vch_pk_test_demo_publishable_key_000",
  secretKey: "vch_sk_test_demo_secret_key_do_not_use_in_prod",
  identitySecret: "vch_is_demo_identity_secret_local_only",
  apiPort: 8787,
  marketingPort: 4000,
  dashboardPort: 4001,
  /** The dashboard's demo sign-in (owner of the demo workspace), printed by `pnpm dev`. */
  workspaceId: "wsp_demo000000000000",
  adminEmail: "admin@ledgerly.test",
  adminPassword: "vouch-demo-password",
} as const;

/**
 * The demo's reward rules: "Give $100, get $100" in account credit (the member's held 14 days) and a $250 bonus
 * on the third customer. The widget's offer is these rules in words.
 */
export const DEMO_RULES: RulesetInput = {
  rules: [
    ...(twoSidedRules({ give: 10_000, get: 10_000, currency: "USD" }).rules ?? []),
    {
      id: "third-customer-bonus",
      description: "$250 bonus on your third customer",
      trigger: "converted",
      recipient: "member",
      kind: "cash",
      currency: "USD",
      amount: { type: "flat", value: 25_000 },
      milestone: { at: 3 },
    },
  ],
};

export function demoOrigins(ports: { marketing: number; dashboard: number; extra?: string[] }): string[] {
  const origins: string[] = [];
  for (const port of [ports.marketing, ports.dashboard]) {
    origins.push(`http://localhost:${port}`, `http://127.0.0.1:${port}`);
  }
  return [...origins, ...(ports.extra ?? [])];
}

export interface DemoOptions {
  marketingPort?: number;
  dashboardPort?: number;
  extraOrigins?: string[];
  /** Also write `DEMO_RULES` as the program's first rules (off for benches that measure a program without rules). */
  rules?: boolean;
}

export function buildDemoProgram(opts: DemoOptions = {}): Promise<NewProgram> {
  const marketing = opts.marketingPort ?? DEMO.marketingPort;
  const dashboard = opts.dashboardPort ?? DEMO.dashboardPort;
  return buildProgram(
    {
      name: "Ledgerly",
      slug: "ledgerly-demo",
      landing_url: `http://localhost:${marketing}/`,
      program_page_url: `http://localhost:${marketing}/referral-program`,
      allowed_origins: demoOrigins({ marketing, dashboard, extra: opts.extraOrigins }),
      test_mode: true,
      brand_color: "#0f766e",
      message_template:
        "Hi! We close our books in half the time since switching to {program}. {offer} Try it with my link: {link}",
      attribution: { model: "first", window_days: 90, param_names: ["via", "ref"] },
      block_same_domain: true,
    },
    {
      now: Date.UTC(2026, 0, 1),
      fixed: {
        programId: DEMO.programId,
        publishableKey: DEMO.publishableKey,
        secretKey: DEMO.secretKey,
        identitySecret: DEMO.identitySecret,
      },
      ...(opts.rules ? { rules: DEMO_RULES } : {}),
    },
  );
}
