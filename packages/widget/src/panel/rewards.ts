/**
 * The member's rewards as the panel shows them. `MeResponse.rewards` is filled by the rewards engine
 * (packages/edge-api/src/rewards/member-view.ts); until it is, the field is absent and the section hides.
 * Amounts are integer minor units, like every amount in the API.
 */
export interface RewardsView {
  currency: string;
  pending_cents: number;
  earned_cents: number;
  paid_cents: number;
  next_milestone: { label: string; current: number; target: number } | null;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Reads `rewards` defensively: anything malformed hides the section rather than breaking the panel. */
export function readRewards(raw: unknown): RewardsView | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const r = raw as Record<string, unknown>;
  const totals = (r.totals && typeof r.totals === "object" ? r.totals : r) as Record<string, unknown>;
  const pending = num(totals.pending_cents) ?? num(totals.pending);
  const earned = num(totals.earned_cents) ?? num(totals.earned) ?? num(totals.approved_cents) ?? num(totals.approved);
  const paid = num(totals.paid_cents) ?? num(totals.paid);
  if (pending === undefined && earned === undefined && paid === undefined) return undefined;
  const currency =
    typeof r.currency === "string" && /^[A-Za-z]{3}$/.test(r.currency) ? r.currency.toUpperCase() : "USD";
  return {
    currency,
    pending_cents: pending ?? 0,
    earned_cents: earned ?? 0,
    paid_cents: paid ?? 0,
    next_milestone: readMilestone(r.next_milestone ?? r.progress),
  };
}

function readMilestone(raw: unknown): RewardsView["next_milestone"] {
  if (!raw || typeof raw !== "object") return null;
  const m = raw as Record<string, unknown>;
  const current = num(m.current);
  const target = num(m.target);
  if (current === undefined || target === undefined || target <= 0) return null;
  const label = typeof m.label === "string" ? m.label : typeof m.reward === "string" ? m.reward : "";
  return { label, current: Math.min(current, target), target };
}

export function formatMoney(cents: number, currency: string, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}
