export interface RaffleEntrant {
  member_id: string;
  entries: number;
}

export interface RaffleResult {
  /** Entrants with at least one entry, sorted by member id: the order tickets are handed out in. */
  entrants: RaffleEntrant[];
  total: number;
  ticket: number;
  winner: string | null;
}

/** `YYYY-MM` of a time, in UTC. */
export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

export function monthRange(month: string): { from: number; to: number } {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return { from: Date.UTC(y, m - 1, 1), to: Date.UTC(y, m, 1) };
}

/**
 * A draw anyone can re-run: entrants are sorted by member id and own consecutive ticket ranges
 * (member A with 3 entries holds tickets 0–2, the next member starts at 3). The winning ticket is the
 * first 48 bits of SHA-256(seed), big-endian, modulo the total number of entries.
 */
export async function drawRaffle(seed: string, entrants: readonly RaffleEntrant[]): Promise<RaffleResult> {
  const sorted = entrants
    .filter((e) => e.entries > 0)
    .map((e) => ({ member_id: e.member_id, entries: e.entries }))
    .sort((a, b) => (a.member_id < b.member_id ? -1 : a.member_id > b.member_id ? 1 : 0));
  const total = sorted.reduce((sum, e) => sum + e.entries, 0);
  if (total === 0) return { entrants: sorted, total, ticket: 0, winner: null };
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(seed)));
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + (digest[i] ?? 0);
  const ticket = n % total;
  let upTo = 0;
  for (const e of sorted) {
    upTo += e.entries;
    if (ticket < upTo) return { entrants: sorted, total, ticket, winner: e.member_id };
  }
  return { entrants: sorted, total, ticket, winner: null };
}
