import { useEffect, useState } from "preact/hooks";

/** A small history router under /admin/: `/admin/referrals/ref_…` → ["referrals", "ref_…"]. */
export const BASE = "/admin/";

export function currentPath(): string[] {
  const rest = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : "";
  return rest.split("/").filter(Boolean).map(decodeURIComponent);
}

const listeners = new Set<() => void>();
addEventListener("popstate", () => {
  for (const l of listeners) l();
});

export function navigate(path: string): void {
  const url = path.startsWith(BASE) ? path : `${BASE}${path.replace(/^\//, "")}`;
  if (url === location.pathname + location.search) return;
  history.pushState(null, "", url);
  for (const l of listeners) l();
  scrollTo(0, 0);
}

export function useRoute(): string[] {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return path;
}

/** Client-side navigation for plain links: keeps ctrl/cmd-click and middle-click opening a new tab. */
export function onLinkClick(event: MouseEvent): void {
  const a = (event.target as Element).closest("a");
  if (!a || a.target || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = a.getAttribute("href");
  if (!href?.startsWith(BASE)) return;
  event.preventDefault();
  navigate(href);
}
