import { toMinorUnits } from "../src/lib/money";
import type { CreateProgramInput } from "../src/programs/schema";
import type { RulesetInput } from "../src/rewards/schema";
import { TWO_SIDED_KINDS, type TwoSidedKind, twoSidedRules } from "../src/rewards/two-sided";

/** `pnpm vouch create-program`'s flags, as `node:util` parseArgs returns them. */
export interface CreateProgramFlags {
  name?: string;
  "landing-url"?: string;
  "program-page-url"?: string;
  origin?: string[];
  offer?: string;
  "brand-color"?: string;
  "test-mode"?: boolean;
  give?: string;
  get?: string;
  currency?: string;
  "hold-days"?: string;
  kind?: string;
}

/** A mistake on the command line: the CLI prints the message and exits 2. */
export class UsageError extends Error {}

/**
 * What `create-program` will write: the program and, with `--give`/`--get`, its first reward rules. Pure, so the
 * tests check every refusal without a database. Amounts are major units ("100" is $100.00).
 */
export function createProgramRequest(flags: CreateProgramFlags): {
  input: CreateProgramInput;
  rules: RulesetInput | null;
} {
  if (!flags.name) throw new UsageError("--name is required");
  if (!flags["landing-url"]) throw new UsageError("--landing-url is required");
  return {
    input: {
      name: flags.name,
      landing_url: flags["landing-url"],
      program_page_url: flags["program-page-url"] ?? null,
      allowed_origins: flags.origin ?? [],
      test_mode: flags["test-mode"] ?? false,
      offer_text: flags.offer ?? "",
      ...(flags["brand-color"] ? { brand_color: flags["brand-color"] } : {}),
    },
    rules: rulesFromFlags(flags),
  };
}

function rulesFromFlags(flags: CreateProgramFlags): RulesetInput | null {
  const { give, get, kind } = flags;
  const holdDays = flags["hold-days"];
  if (give === undefined && get === undefined) {
    const stray = (["currency", "hold-days", "kind"] as const).filter((f) => flags[f] !== undefined);
    if (stray.length > 0) {
      throw new UsageError(`${stray.map((f) => `--${f}`).join(", ")} only go with --give and/or --get`);
    }
    return null;
  }
  if (!flags.currency) throw new UsageError("--currency is required with --give/--get, e.g. --currency USD");
  const currency = flags.currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency) || !Intl.supportedValuesOf("currency").includes(currency)) {
    throw new UsageError(`--currency ${flags.currency} is not an ISO 4217 currency code (USD, EUR, GBP, …)`);
  }
  if (kind !== undefined && !(TWO_SIDED_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`--kind must be one of ${TWO_SIDED_KINDS.join(", ")} (default account_credit)`);
  }
  if (holdDays !== undefined && !/^(\d{1,3})$/.test(holdDays.trim())) {
    throw new UsageError(`--hold-days must be a whole number of days from 0 to 365, not "${holdDays}"`);
  }
  const memberHoldDays = holdDays === undefined ? undefined : Number(holdDays);
  if (memberHoldDays !== undefined && memberHoldDays > 365) throw new UsageError("--hold-days is at most 365");
  const amount = (flag: "give" | "get", text: string | undefined) => {
    if (text === undefined) return undefined;
    try {
      return toMinorUnits(text, currency);
    } catch (err) {
      throw new UsageError(`--${flag}: ${(err as Error).message}`);
    }
  };
  return twoSidedRules({
    give: amount("give", give),
    get: amount("get", get),
    currency,
    kind: kind as TwoSidedKind | undefined,
    memberHoldDays,
  });
}
