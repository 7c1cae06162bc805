import { sha256Hex } from "../lib/crypto";

/**
 * Unique visitors without storing addresses or setting server cookies (Plausible's approach): a hash of
 * the client address and user agent, salted with the program's secret and the UTC day, so it cannot be
 * reversed or joined across days.
 */
export async function visitorHash(
  programSecret: string,
  ip: string,
  userAgent: string,
  now = Date.now(),
): Promise<string> {
  const day = new Date(now).toISOString().slice(0, 10);
  return (await sha256Hex(`${day}|${programSecret}|${ip}|${userAgent}`)).slice(0, 32);
}
