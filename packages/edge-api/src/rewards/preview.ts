import { describeOffer } from "./offer";
import type { RulesetConfig } from "./schema";
import { type ScriptStep, simulateLedger } from "./simulate";

/**
 * "What would these rules pay?" for the dashboard's rule editor: a member refers `friends` friends who convert on
 * `plan` at `value_cents`, each renewing `renewals` times a month apart (and the last `refunds` of them refunded
 * after converting). The rules run through the same engine the API runs (simulate.ts), one event at a time, and
 * the answer is each person's rewards a year after the last payment (holds over).
 */
export interface Scenario {
  friends: number;
  plan?: string | undefined;
  value_cents: number;
  currency: string;
  renewals: number;
  refunds: number;
}

const DAY = 86_400_000;

export function previewRules(config: RulesetConfig, scenario: Scenario, start = Date.UTC(2026, 0, 1)) {
  const steps: ScriptStep[] = [];
  let last = start;
  for (let f = 1; f <= scenario.friends; f++) {
    const ref = `friend-${f}`;
    const at = start + f * DAY;
    const payment = {
      member: "member",
      value_cents: scenario.value_cents,
      currency: scenario.currency,
      ...(scenario.plan ? { plan: scenario.plan } : {}),
    };
    steps.push({ ref, to: "lead", at: at - DAY / 2, member: "member" });
    steps.push({ ref, to: "converted", at, ...payment });
    const refunded = f > scenario.friends - scenario.refunds;
    for (let r = 1; r <= scenario.renewals && !refunded; r++)
      steps.push({ ref, to: "renewed", at: at + r * 30 * DAY, ...payment });
    if (refunded) steps.push({ ref, to: "refunded", at: at + 3 * DAY, member: "member" });
    last = Math.max(last, steps[steps.length - 1]?.at ?? last);
  }
  const sim = simulateLedger(config, steps, last + 365 * DAY);
  const people = new Map<string, { who: string; rewards: typeof rows; totals: Record<string, number> }>();
  const rows = sim.rewards.map((w) => ({
    who: w.recipient === "member" ? "member" : w.ref,
    rule_id: w.rule_id,
    kind: w.kind,
    amount: w.amount,
    currency: w.currency,
    description: w.description,
    state: w.state,
    void_reason: w.void_reason,
  }));
  for (const w of rows) {
    const person = people.get(w.who) ?? { who: w.who, rewards: [], totals: {} };
    person.rewards.push(w);
    if (w.currency && w.state !== "voided") person.totals[w.currency] = (person.totals[w.currency] ?? 0) + w.amount;
    people.set(w.who, person);
  }
  const order = (who: string) => (who === "member" ? 0 : Number(who.split("-")[1]));
  return {
    offer_text: describeOffer(config),
    people: [...people.values()].sort((a, b) => order(a.who) - order(b.who)),
    discount_percent: sim.members.member?.discount_percent ?? 0,
    raffle_entries: sim.raffleEntries.member ?? 0,
  };
}
