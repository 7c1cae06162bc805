import { z } from "zod";
import { timestamp } from "../lib/validate";

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

export const analyticsSummarySchema = z
  .object({
    range: z.object({ from: timestamp, to: timestamp }),
    campaign: z.string().nullable(),
    visits: z.number().int(),
    unique_visitors: z.number().int(),
    shares: z.object({ total: z.number().int(), by_channel: z.record(z.string(), z.number().int()) }),
    leads: z.number().int(),
    qualified: z.number().int(),
    conversions: z.number().int(),
    referral_conversion_rate: z.number().meta({ description: "conversions / leads, 0–1." }),
    members: z.object({ total: z.number().int(), active: z.number().int() }),
    participation_rate: z.number().meta({ description: "Members who shared or referred in the range / all members." }),
    by_campaign: z.array(
      z.object({
        campaign: z.string().nullable(),
        visits: z.number().int(),
        leads: z.number().int(),
        conversions: z.number().int(),
      }),
    ),
  })
  .meta({ id: "AnalyticsSummary" });
export type AnalyticsSummary = z.infer<typeof analyticsSummarySchema>;
