import { z } from "zod";

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use YYYY-MM-DD")
  .refine((v) => {
    const t = Date.parse(`${v}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().startsWith(v);
  }, "Not a calendar date");

export const summaryQuery = z
  .object({
    from: day.optional(),
    to: day.optional(),
    campaign: z.string().trim().min(1).max(100).optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: "from must not be after to", path: ["from"] });

export type SummaryQuery = z.infer<typeof summaryQuery>;

export interface AnalyticsSummary {
  range: { from: string; to: string };
  campaign: string | null;
  visits: number;
  unique_visitors: number;
  shares: { total: number; by_channel: Record<string, number> };
  leads: number;
  qualified: number;
  conversions: number;
  referral_conversion_rate: number;
  members: { total: number; active: number };
  participation_rate: number;
  by_campaign: { campaign: string | null; visits: number; leads: number; conversions: number }[];
}
