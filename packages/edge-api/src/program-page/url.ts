/**
 * The hosted program page of a program (`GET /p/<slug>`, served by this Worker): where the widget's "How it works"
 * link goes unless the program sets its own `program_page_url`.
 */
export function hostedPageUrl(apiOrigin: string, slug: string): string {
  return `${apiOrigin}/p/${encodeURIComponent(slug)}`;
}
