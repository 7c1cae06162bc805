import { clientAddress } from "../lib/client";
import { deriveKey, sha256Hex } from "../lib/crypto";
import type { Program } from "../programs/service";

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

/** The request's visitor hash for a program (salted with a key derived from its token secret). */
export async function requestVisitorHash(
  program: Program,
  req: { header(name: string): string | undefined },
  now = Date.now(),
) {
  const salt = await deriveKey(program.tokenSecret, "visitor-hash");
  return visitorHash(salt, clientAddress(req), req.header("user-agent") ?? "", now);
}
