import { randomToken } from "../lib/crypto";
import { ApiError, isUniqueViolation } from "../lib/errors";
import { type Page, pageAfter, pageOf } from "../lib/pagination";
import { iso } from "../lib/time";
import { drawRaffle, type RaffleEntrant } from "./raffle";

const DRAW_ALGORITHM =
  "sha256-48: entrants sorted by member_id own consecutive tickets; ticket = first 48 bits of SHA-256(seed) mod total_entries";

interface DrawRow {
  month: string;
  seed: string;
  entrants: string;
  total_entries: number;
  ticket: number;
  winner_member_id: string;
  created_at: number;
}

function drawView(row: DrawRow) {
  return {
    month: row.month,
    seed: row.seed,
    algorithm: DRAW_ALGORITHM,
    entrants: JSON.parse(row.entrants) as RaffleEntrant[],
    total_entries: row.total_entries,
    ticket: row.ticket,
    winner: { member_id: row.winner_member_id },
    created_at: iso(row.created_at),
  };
}

/**
 * Entries count while their referral stands: not under an open fraud review, not rejected, not refunded,
 * still the member's (not re-attributed to another), and the member not suspended. (A lead's entries are
 * only written once it is qualified; see the rewards engine.)
 */
const RAFFLE_ENTRY_COUNTS = `NOT EXISTS (SELECT 1 FROM reviews v WHERE v.referral_id = raffle_entries.referral_id AND v.status = 'open')
  AND EXISTS (SELECT 1 FROM referrals f WHERE f.id = raffle_entries.referral_id
    AND f.member_id = raffle_entries.member_id AND f.rejected_at IS NULL AND f.status != 'refunded')
  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = raffle_entries.member_id AND m.suspended_at IS NOT NULL)`;

const ENTRANTS = `SELECT member_id, SUM(entries) AS entries FROM raffle_entries
  WHERE program_id = ?1 AND month = ?2 AND member_id > ?3 AND ${RAFFLE_ENTRY_COUNTS}
  GROUP BY member_id ORDER BY member_id LIMIT ?4`;

/** A page of a month's entrants by member id, and the month's total entries. */
export async function raffleEntrants(
  db: D1Database,
  programId: string,
  month: string,
  q: { limit: number; cursor?: string | undefined },
): Promise<Page<RaffleEntrant> & { total_entries: number }> {
  const [pageRes, totalRes] = await db.batch([
    db.prepare(ENTRANTS).bind(programId, month, pageAfter(q.cursor), q.limit + 1),
    db
      .prepare(
        `SELECT COALESCE(SUM(entries), 0) AS total FROM raffle_entries WHERE program_id = ? AND month = ?
           AND ${RAFFLE_ENTRY_COUNTS}`,
      )
      .bind(programId, month),
  ]);
  const page = pageOf((pageRes?.results ?? []) as RaffleEntrant[], q.limit, (e) => e.member_id);
  const total = (totalRes?.results[0] as { total: number } | undefined)?.total ?? 0;
  return { ...page, total_entries: total };
}

/**
 * Draws a month once. The entrant list is frozen into the draw, so draw after the month ends; the seed
 * can be a public value chosen in advance (a lottery result) so nobody, us included, can pick the winner.
 */
export async function drawMonth(db: D1Database, programId: string, month: string, seed?: string) {
  const existing = await db
    .prepare("SELECT * FROM raffle_draws WHERE program_id = ? AND month = ?")
    .bind(programId, month)
    .first<DrawRow>();
  if (existing) throw new ApiError("raffle_already_drawn", `${month} was already drawn.`, drawView(existing));
  // Every entrant: after the empty member id, no limit (SQLite's LIMIT -1).
  const { results: entrants } = await db.prepare(ENTRANTS).bind(programId, month, "", -1).all<RaffleEntrant>();
  const chosenSeed = seed ?? randomToken(16);
  const result = await drawRaffle(chosenSeed, entrants);
  if (!result.winner) throw new ApiError("raffle_no_entries", `Nobody has raffle entries for ${month}.`);
  const row: DrawRow = {
    month,
    seed: chosenSeed,
    entrants: JSON.stringify(result.entrants),
    total_entries: result.total,
    ticket: result.ticket,
    winner_member_id: result.winner,
    created_at: Date.now(),
  };
  try {
    await db
      .prepare(
        `INSERT INTO raffle_draws (program_id, month, seed, entrants, total_entries, ticket, winner_member_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        programId,
        month,
        row.seed,
        row.entrants,
        row.total_entries,
        row.ticket,
        row.winner_member_id,
        row.created_at,
      )
      .run();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw new ApiError("raffle_already_drawn", `${month} was drawn by another request just now.`);
  }
  return drawView(row);
}

/** The recorded draw, re-run from its seed and entrants: `verified` is true when it gives the same winner. */
export async function recordedDraw(db: D1Database, programId: string, month: string) {
  const row = await db
    .prepare("SELECT * FROM raffle_draws WHERE program_id = ? AND month = ?")
    .bind(programId, month)
    .first<DrawRow>();
  if (!row) throw new ApiError("draw_not_found", `${month} has not been drawn.`);
  const draw = drawView(row);
  const rerun = await drawRaffle(draw.seed, draw.entrants);
  return { draw, verified: rerun.winner === row.winner_member_id && rerun.ticket === row.ticket };
}
