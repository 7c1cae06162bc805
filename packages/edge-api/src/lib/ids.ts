import { customAlphabet } from "nanoid";

/** Ids: a readable prefix and 16 url-safe characters (~95 bits). */
const idPart = customAlphabet("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 16);

export type IdPrefix =
  | "prg"
  | "key"
  | "mem"
  | "clk"
  | "shr"
  | "ref"
  | "evt"
  | "cmp"
  | "rwd"
  | "pay"
  | "raf"
  | "rev"
  | "aud"
  | "whe"
  | "whd"
  | "wha"
  | "msg"
  | "wsp"
  | "adm"
  | "run"
  | "exp"
  | "exv"
  | "mom";

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${idPart()}`;
}

/** Referral codes avoid characters people misread or mistype: no 0/O, 1/I/L, no lower case. */
export const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const codeSuffix = customAlphabet(CODE_ALPHABET, 4);
const codeWhole = customAlphabet(CODE_ALPHABET, 8);

/** A readable code: up to six letters of the member's first name, then four random characters. */
export function generateCode(name?: string | null): string {
  const first = (name ?? "")
    .normalize("NFKD")
    .replace(/[^A-Za-z]/g, " ")
    .trim()
    .split(/\s+/)[0]
    ?.toUpperCase()
    .slice(0, 6);
  return first && first.length >= 2 ? `${first}${codeSuffix()}` : codeWhole();
}

export const CUSTOM_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$/;

export function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}
