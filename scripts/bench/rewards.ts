/**
 * The rewards engine's cost.
 * 1. Throughput of `POST /v1/conversions` with a realistic rule set (dual-sided, percent of value, a
 *    milestone and a tier that serialise per member, raffle entries) beside the bare route (the same
 *    conversions with no rules) and `GET /health`. Target: with evaluation ≥ 0.4× the bare route.
 * 2. A member with 1,000 referrals: the pure engine (summary + evaluation, and a full replay), and the
 *    API's latency for that member's next conversion and for the widget's member view.
 */
import { evaluateRewards, type HistoryEvent, summarizeMemberHistory } from "../../packages/edge-api/src/rewards/engine";
import { type RulesetInput, rulesetSchema } from "../../packages/edge-api/src/rewards/schema";
import { type ScriptStep, simulateLedger } from "../../packages/edge-api/src/rewards/simulate";
import { CONNECTIONS, DURATION_S, measure, measureBare, tableRow, warmUp } from "../lib/load";
import { DEMO, startApi } from "../lib/stack";

const MEMBERS = 200;
const HEAVY_REFERRALS = 1000;

const RULES: RulesetInput = {
  stacking_discount: { percent_per_referral: 10, max_percent: 100 },
  raffle: { entries: { lead: 1, converted: 5 } },
  rules: [
    {
      id: "member",
      trigger: "converted",
      recipient: "member",
      kind: "cash",
      amount: { type: "flat", value: 5000 },
      currency: "USD",
      hold_days: 30,
    },
    {
      id: "friend",
      trigger: "converted",
      recipient: "friend",
      kind: "account_credit",
      amount: { type: "flat", value: 2500 },
      currency: "USD",
    },
    {
      id: "commission",
      trigger: "converted",
      recipient: "member",
      kind: "cash",
      amount: { type: "percent", percent: 20 },
    },
    {
      id: "tenth",
      trigger: "converted",
      recipient: "member",
      kind: "gift_card",
      amount: { type: "flat", value: 10000 },
      currency: "USD",
      milestone: { at: 10, repeat: true },
    },
    {
      id: "pro-tier",
      trigger: "converted",
      recipient: "member",
      kind: "cash",
      amount: { type: "flat", value: 2000 },
      currency: "USD",
      tier: { from: 25 },
    },
  ],
};

function timeIt(iterations: number, fn: () => void): number {
  fn();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return (performance.now() - start) / iterations;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function pureFigures(): void {
  const ruleset = { version: 1, config: rulesetSchema.parse(RULES) };
  const statuses = ["converted", "renewed", "lost", "refunded", "lead"] as const;
  const referrals = Array.from({ length: HEAVY_REFERRALS }, (_, i) => {
    const status = statuses[i % statuses.length] ?? "lead";
    const events: { to_status: (typeof statuses)[number] }[] = [
      { to_status: "lead" as const },
      ...(status === "lead" ? [] : [{ to_status: "converted" as const }]),
    ];
    if (status !== "converted" && status !== "lead") events.push({ to_status: status });
    return { status, events };
  });
  const rewards = Array.from({ length: HEAVY_REFERRALS * 2 }, (_, i) => ({
    rule_id: i % 2 ? "member" : "commission",
    amount: 5000,
    state: "approved" as const,
  }));
  const event = (seq: number, to: HistoryEvent["to_status"]): HistoryEvent => ({
    id: `evt_${seq}`,
    seq,
    to_status: to,
    value_cents: 9900,
    currency: "USD",
    plan: null,
    created_at: Date.UTC(2026, 0, 1) + seq,
  });
  const history = {
    referral: {
      id: "ref_new",
      member_id: "m",
      status: "converted" as const,
      plan: null,
      value_cents: 9900,
      currency: "USD",
    },
    events: [event(1, "lead"), event(2, "converted")],
    rewards: [],
  };
  const summaryMs = timeIt(200, () => summarizeMemberHistory(referrals, rewards));
  const member = summarizeMemberHistory(referrals, rewards);
  const evaluateMs = timeIt(20_000, () => evaluateRewards(ruleset, history, member));
  const steps: ScriptStep[] = [];
  for (let i = 0; i < HEAVY_REFERRALS; i++) {
    steps.push({ ref: `r${i}`, to: "converted", at: i * 1000, value_cents: 9900, currency: "USD" });
    if (i % 3 === 0) steps.push({ ref: `r${i}`, to: "renewed", at: i * 1000 + 1, value_cents: 9900, currency: "USD" });
  }
  const replayStart = performance.now();
  const sim = simulateLedger(RULES, steps, HEAVY_REFERRALS * 1000);
  const replayMs = performance.now() - replayStart;
  console.log(
    `Pure engine, a member with ${HEAVY_REFERRALS.toLocaleString()} referrals and ${rewards.length.toLocaleString()} rewards:`,
  );
  console.table([
    { step: "summarizeMemberHistory (member counts + cap totals)", ms: summaryMs.toFixed(3) },
    { step: "evaluateRewards for the next conversion (5 rules)", ms: evaluateMs.toFixed(4) },
    { step: "total per transition", ms: (summaryMs + evaluateMs).toFixed(3) },
    { step: `full replay of ${steps.length} events (${sim.rewards.length} rewards)`, ms: replayMs.toFixed(1) },
  ]);
}

export default async function rewardsBench(): Promise<void> {
  pureFigures();

  const api = await startApi({ env: "bench" });
  const auth = { authorization: `Bearer ${DEMO.secretKey}`, "content-type": "application/json" };
  // A 409 `conflict` is a conversion that lost its member's tick to a concurrent one: retry, as clients do.
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: auth,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.ok) return res.json();
      // 503: wrangler dev restarted the worker because someone saved a source file during the run.
      if ((res.status !== 409 && res.status !== 503) || attempt >= 20)
        throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    }
  };
  try {
    const codes: string[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      codes.push((await call("POST", "/v1/members", { id: `rw-bench-${i}`, name: "Bench" })).member.code);
    }
    await warmUp(api.url);

    let n = 0;
    const conversions = (label: string) =>
      measure(label, {
        url: `${api.url}/v1/conversions`,
        method: "POST",
        headers: auth,
        requests: [
          {
            setupRequest: (req) => {
              n += 1;
              return {
                ...req,
                body: JSON.stringify({
                  email: `friend${n}@rw-bench-${process.pid}.test`,
                  code: codes[n % MEMBERS],
                  value_cents: 9900,
                  currency: "USD",
                }),
              };
            },
          },
        ],
      });
    const bare = await measureBare(api.url);
    const plain = await conversions("POST /v1/conversions, no rules");
    const rules = await call("PUT", "/v1/reward-rules", RULES);
    const evaluated = await conversions(`POST /v1/conversions, ${RULES.rules?.length} rules (v${rules.rules.version})`);

    console.log(
      `\nAPI on local workerd, ${CONNECTIONS} connections, ${DURATION_S}s each, conversions spread over ${MEMBERS} members`,
    );
    console.table(
      [bare, plain, evaluated].map((f) => ({
        ...tableRow(f, bare),
        "non-2xx": f.non2xx,
        "errors/timeouts": f.errors + f.timeouts,
      })),
    );
    // The target compares the route with the engine to the same route without it (the engine's own cost);
    // the ratio to /health is the route's cost overall (scripts/bench/api.ts tracks that one).
    const ratio = evaluated.rps / plain.rps;
    console.log(
      `conversion with evaluation ${ratio.toFixed(2)}× the bare route without rules (target ≥ 0.40) ${ratio >= 0.4 ? "✓" : "✗"}; ` +
        `${(evaluated.rps / bare.rps).toFixed(2)}× GET /health`,
    );
    if (evaluated.non2xx)
      console.log(
        "(non-2xx under evaluation are 409 `conflict`: two conversions of one member raced for its tick; clients retry)",
      );

    // A member with 1,000 referrals: their next conversion and their widget view.
    const heavy = (await call("POST", "/v1/members", { id: "rw-bench-heavy", name: "Heavy" })).member;
    let made = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (made < HEAVY_REFERRALS) {
          const i = made++;
          await call("POST", "/v1/conversions", {
            email: `h${i}@rw-heavy-${process.pid}.test`,
            code: heavy.code,
            value_cents: 9900,
            currency: "USD",
          });
        }
      }),
    );
    const convertMs: number[] = [];
    const viewMs: number[] = [];
    for (let i = 0; i < 40; i++) {
      let t = performance.now();
      await call("POST", "/v1/conversions", {
        email: `hx${i}@rw-heavy-${process.pid}.test`,
        code: heavy.code,
        value_cents: 9900,
        currency: "USD",
      });
      convertMs.push(performance.now() - t);
      t = performance.now();
      await call("GET", `/v1/members/${heavy.id}`);
      viewMs.push(performance.now() - t);
    }
    const lightMs: number[] = [];
    for (let i = 0; i < 40; i++) {
      const t = performance.now();
      await call("POST", "/v1/conversions", {
        email: `lx${i}@rw-light-${process.pid}.test`,
        code: codes[i % MEMBERS],
        value_cents: 9900,
        currency: "USD",
      });
      lightMs.push(performance.now() - t);
    }
    console.log(`\nA member with ${HEAVY_REFERRALS.toLocaleString()}+ referrals, sequential requests (ms):`);
    console.table([
      {
        request: "conversion, member with ~5 referrals",
        p50: percentile(lightMs, 50).toFixed(1),
        p95: percentile(lightMs, 95).toFixed(1),
      },
      {
        request: `conversion, member with ${HEAVY_REFERRALS}+ referrals`,
        p50: percentile(convertMs, 50).toFixed(1),
        p95: percentile(convertMs, 95).toFixed(1),
      },
      {
        request: `GET /v1/members/:id (rewards view), ${HEAVY_REFERRALS}+ referrals`,
        p50: percentile(viewMs, 50).toFixed(1),
        p95: percentile(viewMs, 95).toFixed(1),
      },
    ]);
  } finally {
    await api.stop();
  }
}
