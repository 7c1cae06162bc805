import { describe, expect, it } from "vitest";
import { ledgerLines, SEED_PROGRAMS } from "../../test/seed-programs";
import { simulateLedger } from "./simulate";

const lastStep = (p: (typeof SEED_PROGRAMS)[number]) => Math.max(...p.steps.map((s) => s.at));

describe("the seed's programs, replayed through the pure engine", () => {
  for (const program of SEED_PROGRAMS) {
    it(program.name, () => {
      const sim = simulateLedger(program.rules, program.steps, lastStep(program) + 1);
      const actual = sim.rewards.map(
        (r) =>
          [r.ref, r.rule_id, r.amount, r.currency, r.state] as [string, string, number, string | null, typeof r.state],
      );
      expect(ledgerLines(actual)).toEqual(ledgerLines(program.expected));
      for (const [member, percent] of Object.entries(program.discount ?? {})) {
        expect(sim.members[member]?.discount_percent, `discount of ${member}`).toBe(percent);
      }
    });
  }
});
