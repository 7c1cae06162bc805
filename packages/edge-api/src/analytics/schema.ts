import { z } from "zod";

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use YYYY-MM-DD")
  .refine((v) => {
    const t = Date.parse(`${v}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().startsWith(v);
  }, "Not a calendar date");

const rangeFields = {
  from: day.optional().meta({ description: "First UTC day, inclusive (default: 29 days before `to`)." }),
  to: day.optional().meta({ description: "Last UTC day, inclusive (default: today)." }),
  campaign: z.string().trim().min(1).max(100).optional(),
};
const ordered = <T extends { from?: string | undefined; to?: string | undefined }>(q: T) =>
  !q.from || !q.to || q.from <= q.to;
const orderMessage = { message: "from must not be after to", path: ["from"] };

export const summaryQuery = z.object(rangeFields).refine(ordered, orderMessage);
export type SummaryQuery = z.infer<typeof summaryQuery>;

export const COUNT_METRICS = [
  "visits",
  "unique_visitors",
  "shares",
  "leads",
  "qualified",
  "conversions",
  "churned",
  "refunded",
] as const;
export const MONEY_METRICS = ["revenue", "rewards_earned", "rewards_paid"] as const;
export const METRICS = [...COUNT_METRICS, ...MONEY_METRICS, "participation_rate"] as const;
export type Metric = (typeof METRICS)[number];
export const INTERVALS = ["day", "week", "month"] as const;
export type Interval = (typeof INTERVALS)[number];

export const timeseriesQuery = z
  .object({
    ...rangeFields,
    metric: z.enum(METRICS),
    interval: z.enum(INTERVALS).default("day"),
  })
  .refine(ordered, orderMessage);

export const topMembersQuery = z
  .object({ ...rangeFields, limit: z.coerce.number().int().min(1).max(100).default(10) })
  .refine(ordered, orderMessage);

const count = z.number().int();
const rate = z.number().meta({ description: "0–1, four decimals." });
const isoDay = z.string().meta({ description: "A UTC day, YYYY-MM-DD." });

export const moneyLineSchema = z.object({
  currency: z.string(),
  revenue: count.meta({ description: "Payments by referred customers in the range (minor units)." }),
  rewards_earned: count.meta({ description: "Money rewards earned in the range, voided ones taken out." }),
  rewards_paid: count.meta({ description: "Money rewards paid in the range." }),
  rewards_pending: count.meta({ description: "Owed now: rewards pending or in review (a snapshot, not the range)." }),
  return_on_rewards: z
    .number()
    .nullable()
    .meta({ description: "revenue / rewards_earned: 12.5 means referred customers paid 12.5× what rewards cost." }),
});
export type MoneyLine = z.infer<typeof moneyLineSchema>;

export const analyticsSummarySchema = z
  .object({
    range: z.object({ from: isoDay, to: isoDay }),
    campaign: z.string().nullable(),
    visits: count,
    unique_visitors: count.meta({
      description:
        "Each day's distinct visitors, summed: visitor hashes are salted per day, nothing joins across days.",
    }),
    shares: z.object({ total: count, by_channel: z.record(z.string(), count) }),
    leads: count,
    qualified: count,
    conversions: count.meta({ description: "Referrals that converted in the range and were not refunded." }),
    churned: count,
    refunded: count,
    referral_conversion_rate: rate.meta({ description: "conversions / leads." }),
    funnel: z.object({
      visits: count,
      leads: count,
      qualified: count,
      conversions: count,
      rates: z.object({
        visit_to_lead: rate,
        lead_to_qualified: rate,
        qualified_to_conversion: rate,
        lead_to_conversion: rate,
      }),
    }),
    members: z.object({ total: count, active: count }),
    participation_rate: rate.meta({ description: "Members who shared or referred in the range / all members." }),
    money: z.array(moneyLineSchema),
    by_campaign: z.array(
      z.object({ campaign: z.string().nullable(), visits: count, leads: count, conversions: count }),
    ),
  })
  .meta({ id: "AnalyticsSummary" });
export type AnalyticsSummary = z.infer<typeof analyticsSummarySchema>;

export const seriesSchema = z
  .object({
    metric: z.enum(METRICS),
    interval: z.enum(INTERVALS),
    range: z.object({ from: isoDay, to: isoDay }),
    campaign: z.string().nullable(),
    points: z.array(
      z.object({
        start: isoDay.meta({ description: "The bucket's first day (a week starts on Monday)." }),
        value: z.number(),
        by_currency: z
          .record(z.string(), count)
          .optional()
          .meta({ description: "Money metrics: the value per currency." }),
      }),
    ),
  })
  .meta({ id: "AnalyticsSeries" });
export type Series = z.infer<typeof seriesSchema>;

export const topMembersSchema = z.object({
  range: z.object({ from: isoDay, to: isoDay }),
  data: z.array(z.object({ member_id: z.string(), name: z.string().nullable(), code: z.string(), conversions: count })),
});
export type TopMember = z.infer<typeof topMembersSchema>["data"][number];
