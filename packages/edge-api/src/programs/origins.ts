/** `https://app.example.com/path` → `https://app.example.com`; anything unparsable → null. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * Allowed origins are exact (`https://app.acme.com`) or a sub-domain wildcard (`https://*.acme.com`,
 * which does not match the bare `https://acme.com`).
 */
export function isOriginAllowed(origin: string, allowed: readonly string[]): boolean {
  for (const entry of allowed) {
    if (entry === "*") return true;
    if (entry === origin) return true;
    const star = entry.indexOf("://*.");
    if (star !== -1) {
      const scheme = entry.slice(0, star + 3);
      const suffix = entry.slice(star + 4); // ".acme.com" (keeps the leading dot)
      if (origin.startsWith(scheme) && origin.endsWith(suffix) && origin.length > scheme.length + suffix.length) {
        return true;
      }
    }
  }
  return false;
}
