import { buildProgram, type NewProgram } from "../src/programs/create";

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
} as const;

export function demoOrigins(ports: { marketing: number; dashboard: number; extra?: string[] }): string[] {
  const origins: string[] = [];
  for (const port of [ports.marketing, ports.dashboard]) {
    origins.push(`http://localhost:${port}`, `http://127.0.0.1:${port}`);
  }
  return [...origins, ...(ports.extra ?? [])];
}

export function buildDemoProgram(
  opts: { marketingPort?: number; dashboardPort?: number; extraOrigins?: string[] } = {},
): Promise<NewProgram> {
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
      offer_text: "Give $100, get $100.",
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
    },
  );
}
