/**
 * The client's address: Cloudflare's `CF-Connecting-IP`, else the first `X-Forwarded-For` hop (a proxy in
 * front of a local server), else "local". Rate limits and the daily visitor hash both read it here.
 */
export function clientAddress(req: { header(name: string): string | undefined }): string {
  return req.header("cf-connecting-ip") ?? req.header("x-forwarded-for")?.split(",")[0]?.trim() ?? "local";
}
