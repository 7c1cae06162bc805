import type { MeResponse } from "./types";

/**
 * A suspended member gets no link, no share buttons and no peer form; the API also sends no member token
 * then, so nothing could record a share or a lead anyway. No token at all is treated the same way.
 */
export function isPaused(data: MeResponse): boolean {
  return data.member?.status === "suspended" || !data.member_token;
}

/** `{program}` filled with the program's name (a function replacement: a `$&` in the name stays text). */
export function withProgram(template: string | undefined, program: string): string {
  return String(template ?? "").replace(/\{program\}/g, () => program);
}
