import { z } from "@hono/zod-openapi";
import { ApiError } from "../lib/errors";
import { PAYOUT_METHODS, type PayoutMethod } from "./providers/types";

/**
 * What a program offers its members (src/payouts): the methods they may choose, a minimum per currency below which
 * their rewards wait, a yearly limit per member per currency (a vendor staying under a tax-reporting threshold, such
 * as the US 1099's $600), and what Tremendous offers. No row: manual only, no minimum, no limit.
 */
const currency = z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code in capitals, like USD");
const amounts = z.record(currency, z.number().int().min(1).max(100_000_000_00));

export const payoutSettingsSchema = z
  .object({
    methods: z.array(z.enum(PAYOUT_METHODS)).min(1).max(PAYOUT_METHODS.length),
    minimum_amounts: amounts,
    yearly_limits: amounts,
    tremendous: z.object({
      products: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).max(50),
      campaign_id: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/)
        .nullable(),
    }),
  })
  .openapi("PayoutSettings");
export type PayoutSettings = z.infer<typeof payoutSettingsSchema>;

export const payoutSettingsPatchSchema = payoutSettingsSchema.partial().strict().openapi("PayoutSettingsPatch");

export const DEFAULT_PAYOUT_SETTINGS: PayoutSettings = {
  methods: ["manual"],
  minimum_amounts: {},
  yearly_limits: {},
  tremendous: { products: [], campaign_id: null },
};

interface SettingsRow {
  methods: string;
  minimum_amounts: string;
  yearly_limits: string;
  tremendous_products: string;
  tremendous_campaign_id: string | null;
}

function parse<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function settingsFromRow(row: SettingsRow | null | undefined): PayoutSettings {
  if (!row) return DEFAULT_PAYOUT_SETTINGS;
  return {
    methods: parse<PayoutMethod[]>(row.methods, ["manual"]),
    minimum_amounts: parse(row.minimum_amounts, {}),
    yearly_limits: parse(row.yearly_limits, {}),
    tremendous: { products: parse(row.tremendous_products, []), campaign_id: row.tremendous_campaign_id },
  };
}

export const SETTINGS_SELECT = "SELECT * FROM payout_settings WHERE program_id = ?";

export async function readPayoutSettings(db: D1Database, programId: string): Promise<PayoutSettings> {
  return settingsFromRow(await db.prepare(SETTINGS_SELECT).bind(programId).first<SettingsRow>());
}

export async function updatePayoutSettings(
  db: D1Database,
  programId: string,
  patch: Partial<PayoutSettings>,
  now: number,
): Promise<PayoutSettings> {
  const next = { ...(await readPayoutSettings(db, programId)), ...patch };
  if (next.methods.includes("tremendous") && next.tremendous.products.length === 0 && !next.tremendous.campaign_id) {
    throw new ApiError(
      "bad_request",
      "Tremendous needs the products members choose from (tremendous.products) or a campaign (tremendous.campaign_id).",
      { field: "tremendous" },
    );
  }
  await db
    .prepare(
      `INSERT INTO payout_settings (program_id, methods, minimum_amounts, yearly_limits, tremendous_products,
         tremendous_campaign_id, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT(program_id) DO UPDATE SET methods = ?2, minimum_amounts = ?3, yearly_limits = ?4,
         tremendous_products = ?5, tremendous_campaign_id = ?6, updated_at = ?7`,
    )
    .bind(
      programId,
      JSON.stringify([...new Set(next.methods)]),
      JSON.stringify(next.minimum_amounts),
      JSON.stringify(next.yearly_limits),
      JSON.stringify(next.tremendous.products),
      next.tremendous.campaign_id,
      now,
    )
    .run();
  return next;
}

/** How a member is paid. PayPal, Tremendous and Wise send to an email address (Wise asks the member for bank details). */
export const memberPayoutMethodSchema = z
  .object({
    method: z.enum(PAYOUT_METHODS),
    email: z.string().email().max(254).optional().openapi({ description: "Where PayPal, Tremendous or Wise pays." }),
  })
  .openapi("MemberPayoutMethod");
export type MemberPayoutMethod = z.infer<typeof memberPayoutMethodSchema>;

export const EMAIL_METHODS: ReadonlySet<PayoutMethod> = new Set(["paypal", "tremendous", "wise"]);

/** Checks a member's choice against the program's offer; the address defaults to the member's own. */
export function checkMemberMethod(
  settings: PayoutSettings,
  choice: MemberPayoutMethod,
  memberEmail: string | null,
): { method: PayoutMethod; details: { email?: string } } {
  if (!settings.methods.includes(choice.method)) {
    throw new ApiError("payout_method_not_offered", `This program does not pay by ${choice.method}.`, {
      offered: settings.methods,
    });
  }
  if (!EMAIL_METHODS.has(choice.method)) return { method: choice.method, details: {} };
  const email = (choice.email ?? memberEmail ?? "").trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new ApiError("bad_request", `${choice.method} pays to an email address: give one.`, { field: "email" });
  }
  return { method: choice.method, details: { email } };
}

export async function saveMemberMethod(
  db: D1Database,
  programId: string,
  memberId: string,
  chosen: { method: PayoutMethod; details: { email?: string } },
  now: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO member_payout_methods (member_id, program_id, method, details, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT(member_id) DO UPDATE SET method = ?3, details = ?4, updated_at = ?5`,
    )
    .bind(memberId, programId, chosen.method, JSON.stringify(chosen.details), now)
    .run();
}

export async function readMemberMethod(
  db: D1Database,
  memberId: string,
): Promise<{ method: PayoutMethod; email: string | null; updated_at: number } | null> {
  const row = await db
    .prepare("SELECT method, details, updated_at FROM member_payout_methods WHERE member_id = ?")
    .bind(memberId)
    .first<{ method: PayoutMethod; details: string; updated_at: number }>();
  if (!row) return null;
  return {
    method: row.method,
    email: parse<{ email?: string }>(row.details, {}).email ?? null,
    updated_at: row.updated_at,
  };
}
