import type { MemberRewardsView } from "../../../edge-api/src/rewards/schema";

/**
 * What the rewards part of the panel shows, read from `MeResponse.rewards` (the rewards engine's
 * `MemberRewardsView`). Money is in minor units. Anything absent or malformed hides that line, and a
 * program with nothing to show hides the whole section.
 */
export interface RewardsView {
  /** On hold, approved (to be paid: not yet paid) and paid out: three amounts that never overlap. */
  money: { currency: string; pending: number; approved: number; paid: number }[];
  freeMonths: { pending: number; earned: number } | null;
  discountPercent: number;
  milestone: { label: string | null; current: number; target: number } | null;
  raffleEntries: number | null;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export function readRewards(raw: unknown): RewardsView | undefined {
  const r = obj(raw) as Partial<Record<keyof MemberRewardsView, unknown>> | undefined;
  if (!r) return undefined;
  const money: RewardsView["money"] = [];
  for (const row of Array.isArray(r.totals) ? r.totals : []) {
    const t = obj(row);
    if (!t || typeof t.currency !== "string" || !/^[A-Za-z]{3}$/.test(t.currency)) continue;
    money.push({
      currency: t.currency.toUpperCase(),
      pending: num(t.pending) ?? 0,
      approved: num(t.approved) ?? Math.max(0, (num(t.earned) ?? 0) - (num(t.paid) ?? 0)),
      paid: num(t.paid) ?? 0,
    });
  }
  const months = obj(r.free_months);
  const freeMonths =
    months && ((num(months.pending) ?? 0) > 0 || (num(months.earned) ?? 0) > 0)
      ? { pending: num(months.pending) ?? 0, earned: num(months.earned) ?? 0 }
      : null;
  const discountPercent = num(r.discount_percent) ?? 0;
  const m = obj(r.next_milestone);
  const current = num(m?.current);
  const target = num(m?.at);
  const milestone =
    m && current !== undefined && target !== undefined && target > 0
      ? { label: typeof m.description === "string" ? m.description : null, current: Math.min(current, target), target }
      : null;
  const raffleEntries = num(obj(r.raffle)?.entries) ?? null;
  if (money.length === 0 && !freeMonths && discountPercent <= 0 && !milestone && raffleEntries === null)
    return undefined;
  return { money, freeMonths, discountPercent, milestone, raffleEntries };
}

/** `minor` is in the currency's minor units: cents for USD, whole yen for JPY (no minor unit). */
export function formatMoney(minor: number, currency: string, locale: string): string {
  try {
    const formatter = new Intl.NumberFormat(locale, { style: "currency", currency });
    return formatter.format(minor / 10 ** (formatter.resolvedOptions().maximumFractionDigits ?? 2));
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}
