/**
 * The friend's greeting (the greeting builds only): the visit's answer names who sent the friend and what they
 * get, and every `[data-vouch-greeting]` element on the page shows it. Set as text, never as HTML, so a name
 * can carry no markup; a `hidden` element is revealed, so a page can keep the spot empty until there is a
 * greeting (an unknown or expired code has none: the visit is refused and nothing is shown).
 */
export function showGreeting(text: string | undefined): void {
  if (!text) return;
  const fill = () =>
    document.querySelectorAll<HTMLElement>("[data-vouch-greeting]").forEach((el) => {
      el.textContent = text;
      el.hidden = false;
    });
  // The answer usually arrives after the page is parsed; if not, the element may not exist yet.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fill);
  else fill();
}
