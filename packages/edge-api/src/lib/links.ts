/** The member's referral link: the landing page with the program's first referral parameter (`?via=CODE`). */
export function referralLink(landingUrl: string, paramNames: readonly string[], code: string): URL {
  const url = new URL(landingUrl);
  url.searchParams.set(paramNames[0] ?? "via", code);
  return url;
}

/** The short link on the API's own origin, `/r/:slug/:code`, which redirects to the referral link. */
export function shortLink(apiOrigin: string, slug: string, code: string): string {
  return `${apiOrigin}/r/${encodeURIComponent(slug)}/${encodeURIComponent(code)}`;
}
