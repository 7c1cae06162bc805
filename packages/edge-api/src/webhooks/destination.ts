/**
 * Where a webhook may be sent. A program's admin chooses the URL, and the Worker makes the request, so a URL
 * must never point the Worker at something only it can reach: https to a public host only; plain http only to
 * this machine, and only for a test-mode program (a local receiver while developing). Checked when an endpoint
 * is saved and again before every attempt. (On Cloudflare, a Worker's fetch cannot reach private networks
 * anyway; a self-hosted runtime may, so the check does not rely on that.)
 */

export type DestinationProblem = { ok: false; reason: string } | { ok: true; url: URL };

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const INTERNAL_SUFFIXES = [".localhost", ".local", ".internal", ".intranet", ".lan", ".home.arpa", ".corp"];

export function checkDestination(raw: string, testMode: boolean): DestinationProblem {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not a URL" };
  }
  if (raw.length > 2048) return { ok: false, reason: "is longer than 2,048 characters" };
  if (url.username || url.password) return { ok: false, reason: "must not carry a user name or password" };
  const host = url.hostname.toLowerCase();
  const loopback = LOOPBACK_HOSTS.has(host) || isLoopbackV4(host);
  if (url.protocol === "http:") {
    if (testMode && loopback) return { ok: true, url };
    return {
      ok: false,
      reason: testMode
        ? "must use https (http only to localhost while you develop)"
        : "must use https (http to localhost is for test-mode programs only)",
    };
  }
  if (url.protocol !== "https:") return { ok: false, reason: "must use https" };
  if (loopback) {
    return testMode ? { ok: true, url } : { ok: false, reason: "points at this machine (test-mode programs only)" };
  }
  const v4 = parseIPv4(host);
  if ((v4 && isPrivateV4(v4)) || (host.startsWith("[") && isPrivateV6(host.slice(1, -1)))) {
    return { ok: false, reason: "points at a private, loopback or link-local address" };
  }
  if (host.startsWith("[")) return { ok: true, url };
  if (!host.includes(".") || INTERNAL_SUFFIXES.some((s) => host.endsWith(s))) {
    return { ok: false, reason: "is not a public host name" };
  }
  return { ok: true, url };
}

function parseIPv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

function isLoopbackV4(host: string): boolean {
  return parseIPv4(host)?.[0] === 127;
}

function isPrivateV4([a = 0, b = 0]: number[]): boolean {
  return (
    a === 0 || // "this network"
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local, cloud metadata
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a >= 224 // multicast and reserved
  );
}

function isPrivateV6(address: string): boolean {
  const a = address.toLowerCase();
  if (a === "::" || a === "::1") return true;
  // IPv4-mapped (::ffff:10.0.0.1, which URL normalises to ::ffff:a00:1): judge the IPv4 address.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (mapped) {
    const hi = Number.parseInt(mapped[1] ?? "0", 16);
    const lo = Number.parseInt(mapped[2] ?? "0", 16);
    return isPrivateV4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  }
  return /^(fc|fd|fe8|fe9|fea|feb|ff)/.test(a); // unique local, link-local, multicast
}
