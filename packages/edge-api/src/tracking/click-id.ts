import { base64UrlEncode, deriveKey, hmacSha256, timingSafeEqual } from "../lib/crypto";

/**
 * A click id that carries and authenticates its member and time, so a lead that arrives a millisecond
 * after its visit is attributed before the visit's row lands (visits are written by a queue consumer).
 *
 * `clk_` + member id without its prefix (16) + visit time in ms, base 36 (9) + random (8) + MAC (22):
 * the MAC is HMAC-SHA256 over the rest with a key derived from the program's token secret (purpose
 * `click-id`), truncated to 128 bits, base64url. A click id of one program is worthless in another, and
 * nobody can mint one for a member or a time of their choosing. Older click ids (`clk_` + 16 random
 * characters) are still resolved through their visit row.
 */
const MEMBER = 16;
const TIME = 9;
const RANDOM = 8;
const MAC = 22;
const BODY = MEMBER + TIME + RANDOM;
export const CLICK_ID_PATTERN = /^clk_(?:[A-Za-z0-9]{16}|[A-Za-z0-9]{16}[0-9a-z]{9}[A-Za-z0-9]{8}[A-Za-z0-9_-]{22})$/;

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

function randomPart(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(RANDOM));
  let out = "";
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

async function mac(tokenSecret: string, programId: string, body: string): Promise<string> {
  const key = await deriveKey(tokenSecret, "click-id");
  return base64UrlEncode((await hmacSha256(key, `${programId}:${body}`)).slice(0, 16));
}

export async function mintClickId(
  program: { id: string; tokenSecret: string },
  memberId: string,
  at: number,
): Promise<string> {
  const member = memberId.slice(4);
  if (member.length !== MEMBER) throw new Error(`unexpected member id ${memberId}`);
  const body = `${member}${at.toString(36).padStart(TIME, "0")}${randomPart()}`;
  return `clk_${body}${await mac(program.tokenSecret, program.id, body)}`;
}

export interface SignedClick {
  memberId: string;
  visitedAt: number;
}

/**
 * The member and time a signed click id carries; `null` for an older (unsigned) click id, which must be
 * looked up; `invalid` for one whose MAC does not match (forged, or another program's).
 */
export async function readClickId(
  program: { id: string; tokenSecret: string },
  clickId: string,
): Promise<SignedClick | null | "invalid"> {
  if (clickId.length !== 4 + BODY + MAC) return null;
  const body = clickId.slice(4, 4 + BODY);
  const expected = await mac(program.tokenSecret, program.id, body);
  if (!timingSafeEqual(expected, clickId.slice(4 + BODY))) return "invalid";
  return {
    memberId: `mem_${body.slice(0, MEMBER)}`,
    visitedAt: Number.parseInt(body.slice(MEMBER, MEMBER + TIME), 36),
  };
}
