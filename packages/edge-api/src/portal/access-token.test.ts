import { describe, expect, it } from "vitest";
import { base64UrlEncode, deriveKey, hmacSha256 } from "../lib/crypto";
import { memberTokenFor, verifyMemberToken } from "../members/identity";
import type { Program } from "../programs/service";
import { mintClickId, readClickId } from "../tracking/click-id";
import { mintAccessToken, readAccessToken, verifyAccessToken } from "./access-token";

const HOUR = 3600 * 1000;
const NOW = Date.parse("2026-03-01T12:00:00Z");
const A = { id: "prg_aaaaaaaaaaaaaaaa", tokenSecret: "token-secret-of-program-a" };
const B = { id: "prg_bbbbbbbbbbbbbbbb", tokenSecret: "token-secret-of-program-b" };
const DANA = "mem_dana000000000000";
const SAM = "mem_sam0000000000000";

/** Replaces one field of a token (0 = version … 5 = MAC), keeping the rest. */
function withField(token: string, index: number, value: string): string {
  const parts = token.split(".");
  parts[index] = value;
  return parts.join(".");
}

describe("One Click Access tokens", () => {
  it("name their program, member, purpose and expiry, and verify for exactly that", async () => {
    const token = await mintAccessToken(A, "portal", DANA, NOW + 72 * HOUR);
    expect(token).toMatch(/^oca1\.portal\.prg_a{16}\.mem_dana0{12}\.\d{10}\.[A-Za-z0-9_-]{43}$/);
    expect(readAccessToken(token)).toEqual({
      purpose: "portal",
      programId: A.id,
      memberId: DANA,
      expiresAt: NOW + 72 * HOUR,
    });
    expect(await verifyAccessToken(A, token, "portal", NOW)).toEqual({
      ok: true,
      claims: { purpose: "portal", programId: A.id, memberId: DANA, expiresAt: NOW + 72 * HOUR },
    });
  });

  it("refuse any change: the MAC, the expiry, the member", async () => {
    const token = await mintAccessToken(A, "portal", DANA, NOW + HOUR);
    const mac = token.split(".")[5] as string;
    const flipped = `${mac.slice(0, 10)}${mac[10] === "A" ? "B" : "A"}${mac.slice(11)}`;
    const later = String(Math.floor((NOW + 2 * HOUR) / 1000));
    for (const tampered of [
      withField(token, 5, flipped),
      withField(token, 4, later),
      withField(token, 3, SAM), // another member of the same program
      `${token}x`,
      token.slice(0, -1),
    ]) {
      expect(await verifyAccessToken(A, tampered, "portal", NOW)).toEqual({ ok: false, reason: "invalid" });
    }
  });

  it("are worth nothing for another purpose: a portal link is no session, a session no link", async () => {
    const link = await mintAccessToken(A, "portal", DANA, NOW + HOUR);
    const session = await mintAccessToken(A, "portal-session", DANA, NOW + HOUR);
    expect(await verifyAccessToken(A, link, "portal-session", NOW)).toEqual({ ok: false, reason: "invalid" });
    expect(await verifyAccessToken(A, session, "portal", NOW)).toEqual({ ok: false, reason: "invalid" });
    // Relabelled: the purpose is signed, and each purpose has its own key.
    expect(await verifyAccessToken(A, withField(session, 1, "portal"), "portal", NOW)).toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(await verifyAccessToken(A, withField(link, 1, "portal-session"), "portal-session", NOW)).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("expire, and never live longer than their purpose allows", async () => {
    const expired = await mintAccessToken(A, "portal", DANA, NOW - 1000);
    expect(await verifyAccessToken(A, expired, "portal", NOW)).toEqual({ ok: false, reason: "expired" });
    const link = await mintAccessToken(A, "portal", DANA, NOW + HOUR);
    expect(await verifyAccessToken(A, link, "portal", NOW + HOUR)).toEqual({ ok: false, reason: "expired" });
    expect((await verifyAccessToken(A, link, "portal", NOW + HOUR - 1000)).ok).toBe(true);
    // Signed with the right key but for longer than we ever mint: 30 days for a link, an hour for a session.
    const tooLong = await mintAccessToken(A, "portal", DANA, NOW + 721 * HOUR);
    expect(await verifyAccessToken(A, tooLong, "portal", NOW)).toEqual({ ok: false, reason: "invalid" });
    const longSession = await mintAccessToken(A, "portal-session", DANA, NOW + 2 * HOUR);
    expect(await verifyAccessToken(A, longSession, "portal-session", NOW)).toEqual({ ok: false, reason: "invalid" });
  });

  it("belong to one program: another program's secret or id does not verify", async () => {
    const token = await mintAccessToken(A, "portal", DANA, NOW + HOUR);
    expect(await verifyAccessToken(B, token, "portal", NOW)).toEqual({ ok: false, reason: "invalid" });
    expect(await verifyAccessToken(B, withField(token, 2, B.id), "portal", NOW)).toEqual({
      ok: false,
      reason: "invalid",
    });
    // Same id, another secret (a program whose token secret changed).
    expect(await verifyAccessToken({ ...A, tokenSecret: "rotated" }, token, "portal", NOW)).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("are no member token or click id, and neither of those is an access token", async () => {
    const program = { ...A, tokenSecret: A.tokenSecret } as Program;
    const link = await mintAccessToken(A, "portal", DANA, NOW + HOUR);
    const memberToken = await memberTokenFor(A.tokenSecret, A.id, DANA, NOW + HOUR);
    const clickId = await mintClickId(A, DANA, NOW);

    for (const other of [memberToken, clickId]) {
      expect(await verifyAccessToken(A, other, "portal", NOW)).toEqual({ ok: false, reason: "invalid" });
      expect(await verifyAccessToken(A, other, "portal-session", NOW)).toEqual({ ok: false, reason: "invalid" });
    }
    // In the access shape, signed over the access message with the member-token or click-id key: still refused.
    const exp = Math.floor((NOW + HOUR) / 1000);
    for (const purpose of ["member-token", "click-id", "visitor-hash"]) {
      const key = await deriveKey(A.tokenSecret, purpose);
      const mac = base64UrlEncode(await hmacSha256(key, `portal\n${A.id}\n${DANA}\n${exp}`));
      const forged = `oca1.portal.${A.id}.${DANA}.${exp}.${mac}`;
      expect(await verifyAccessToken(A, forged, "portal", NOW), purpose).toEqual({ ok: false, reason: "invalid" });
    }
    // The member token's own MAC in the access shape.
    const memberMac = memberToken.split(".")[2] as string;
    expect(await verifyAccessToken(A, withField(link, 5, memberMac), "portal", NOW)).toEqual({
      ok: false,
      reason: "invalid",
    });

    // And the other way round.
    await expect(verifyMemberToken(program, link, NOW)).rejects.toMatchObject({ code: "invalid_member_token" });
    const asMemberToken = `mt_${DANA}.${exp}.${link.split(".")[5]}`;
    await expect(verifyMemberToken(program, asMemberToken, NOW)).rejects.toMatchObject({
      code: "invalid_member_token",
    });
    expect(await readClickId(A, link)).toBeNull();
  });
});
