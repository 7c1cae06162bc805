import { formatMinor, type RewardRow, toCsv } from "./ledger";

/** Rows read per D1 query: the export holds one page in memory, whatever the ledger's size. */
export const EXPORT_PAGE_ROWS = 1000;

const CSV_HEADER = [
  "reward_id",
  "recipient",
  "payee_email",
  "payee_name",
  "member_id",
  "member_external_id",
  "referral_id",
  "kind",
  "amount",
  "amount_minor",
  "currency",
  "description",
  "rule_id",
  "rule_version",
  "approved_at",
  "payee_email_verified",
  "clawback_of",
];

/** `approved_at` is set on every approved row (and the keyset comparison leaves out a NULL). */
type ExportRow = RewardRow & {
  approved_at: number;
  member_external_id: string;
  member_email: string | null;
  member_email_verified: number;
  member_name: string | null;
  friend_email: string;
  friend_status: string;
  friend_name: string | null;
};

export interface ExportFilter {
  currency?: string;
  member_id?: string;
}

function csvRow(r: ExportRow): (string | number | null)[] {
  const toMember = r.recipient === "member";
  return [
    r.id,
    r.recipient,
    toMember ? r.member_email : r.friend_email,
    toMember ? r.member_name : r.friend_name,
    r.member_id,
    r.member_external_id,
    r.referral_id,
    r.kind,
    r.currency ? formatMinor(r.amount, r.currency) : String(r.amount),
    r.amount,
    r.currency,
    r.description,
    r.rule_id,
    r.rule_version,
    new Date(r.approved_at).toISOString(),
    // A member's address sent from the browser beside an id-only signature is unverified: check it before
    // paying. A friend's is the vendor's once its server moved the referral past `lead`.
    String(toMember ? r.member_email_verified === 1 : r.friend_status !== "lead"),
    r.clawback_of,
  ];
}

/** One keyset page of approved rewards after `(approvedAt, id)`, oldest approval first. */
async function approvedPage(
  db: D1Database,
  programId: string,
  filter: ExportFilter,
  after: [number, string],
): Promise<ExportRow[]> {
  const { results } = await db
    .prepare(
      `SELECT w.*, m.external_id AS member_external_id, m.email AS member_email, m.name AS member_name,
         m.email_verified AS member_email_verified, f.friend_email, f.friend_name, f.status AS friend_status
       FROM rewards w JOIN members m ON m.id = w.member_id JOIN referrals f ON f.id = w.referral_id
       WHERE w.program_id = ?1 AND w.state = 'approved' AND w.payout_id IS NULL AND w.take_back_reason IS NULL
         AND (?2 IS NULL OR w.currency = ?2)
         -- Members a payout run pays (their method is a provider's, offered by the program) are not in the CSV.
         AND NOT EXISTS (SELECT 1 FROM member_payout_methods pm JOIN payout_settings s ON s.program_id = w.program_id
           WHERE pm.member_id = w.member_id AND pm.method <> 'manual'
             AND pm.method IN (SELECT value FROM json_each(s.methods)))
         AND (?3 IS NULL OR w.member_id = ?3) AND (w.approved_at, w.id) > (?4, ?5)
       ORDER BY w.approved_at, w.id LIMIT ?6`,
    )
    .bind(programId, filter.currency ?? null, filter.member_id ?? null, after[0], after[1], EXPORT_PAGE_ROWS)
    .all<ExportRow>();
  return results;
}

/**
 * Every approved reward as CSV, streamed: the header, then one keyset page per pull, read only when the
 * client is ready for more. A failed read errors the stream, so the client sees a broken download rather
 * than a short file. Each page is one D1 query, so D1's queries per Worker invocation (1,000 on Workers
 * Paid, 50 on Free) bound one export to about that many thousand rows.
 */
export function approvedRewardsCsv(
  db: D1Database,
  programId: string,
  filter: ExportFilter,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: [number, string] = [Number.MIN_SAFE_INTEGER, ""];
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(toCsv([CSV_HEADER])));
      },
      async pull(controller) {
        const rows = await approvedPage(db, programId, filter, after);
        if (rows.length > 0) controller.enqueue(encoder.encode(toCsv(rows.map(csvRow))));
        const last = rows.at(-1);
        if (!last || rows.length < EXPORT_PAGE_ROWS) return controller.close();
        after = [last.approved_at, last.id];
      },
    },
    { highWaterMark: 0 },
  );
}
