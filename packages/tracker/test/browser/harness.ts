import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium as launchChromiumWith } from "../../../../scripts/lib/chromium";
import { type ApiHandle, DEMO, freePort, startApi } from "../../../../scripts/lib/stack";

export { DEMO };

/** Host names the fixture server answers on besides 127.0.0.1 (Chromium maps them to it). */
export const SITE_DOMAIN = "ledgerly.test";

export function launchChromium(): Promise<Browser> {
  return launchChromiumWith({ args: [`--host-resolver-rules=MAP *.${SITE_DOMAIN} 127.0.0.1`] });
}

/**
 * `freshPage()` opens a page in a new browser context (no cookies or storage from the previous test) and closes
 * the previous context.
 */
export function freshPages(browser: () => Browser): () => Promise<Page> {
  let context: BrowserContext | undefined;
  return async () => {
    await context?.close();
    context = await browser().newContext();
    return context.newPage();
  };
}

/** The browser builds, copied into the API's assets exactly as `pnpm build` does. */
export async function copyAssets(): Promise<void> {
  const log = console.log;
  console.log = () => {};
  try {
    await import("../../../../scripts/build-assets");
  } finally {
    console.log = log;
  }
}

/** Starts the real API (workerd + local D1, demo program) allowing the fixture origins. */
export async function startStack(sitePort: number, extra: string[] = [], marketingPort?: number): Promise<ApiHandle> {
  await copyAssets();
  return startApi({
    ...(marketingPort ? { marketingPort } : {}),
    extraOrigins: [
      `http://127.0.0.1:${sitePort}`,
      `http://localhost:${sitePort}`,
      `http://www.${SITE_DOMAIN}:${sitePort}`,
      `http://app.${SITE_DOMAIN}:${sitePort}`,
      ...extra,
    ],
  });
}

/** The secret-key view of what landed in D1. */
export function adminApi(apiUrl: string) {
  const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${apiUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${DEMO.secretKey}`, "content-type": "application/json", ...init.headers },
    });
    const body = (await response.json()) as T;
    if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path} → ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  let members = 0;
  return {
    call,
    /** A new member (the advocate), with a code to follow. */
    async enrol(name: string): Promise<{ id: string; code: string; link: string; short_link: string }> {
      members++;
      const { member } = await call<{ member: { id: string; code: string; link: string; short_link: string } }>(
        "/v1/members",
        {
          method: "POST",
          body: JSON.stringify({
            id: `advocate-${members}-${Date.now()}`,
            email: `${name.toLowerCase()}@advocate.example`,
            name,
          }),
        },
      );
      return member;
    },
    async visitsOf(memberId: string): Promise<number> {
      return (await call<{ stats: { visits: number } }>(`/v1/members/${memberId}`)).stats.visits;
    },
    async referralOf(email: string): Promise<Referral | undefined> {
      const { data } = await call<{ data: Referral[] }>("/v1/referrals?limit=200");
      return data.find((r) => r.friend.email === email);
    },
    async setAttribution(attribution: { model?: "first" | "last"; window_days?: number }): Promise<void> {
      await call("/v1/program", { method: "PATCH", body: JSON.stringify({ attribution }) });
    },
  };
}
export type AdminApi = ReturnType<typeof adminApi>;

export interface Referral {
  id: string;
  member_id: string;
  click_id: string | null;
  status: string;
  source: string;
  friend: {
    email: string;
    name: string | null;
    company: string | null;
    role: string | null;
    company_size: string | null;
  };
}

/** Polls until `read` returns something `accept` likes; the tracker's posts are fire-and-forget. */
export async function waitFor<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface FixturePage {
  /** Response headers, e.g. a CSP. */
  headers?: Record<string, string>;
  html: string;
}

/**
 * A tiny static server for the fixture pages (one per scenario), so the host page is a different origin
 * from the API, as on a customer's site. Also records the form posts the "vendor's server" receives.
 */
export async function startFixtureServer(route: (url: URL, host: string) => FixturePage | undefined) {
  const port = await freePort();
  const posts: { path: string; host: string; fields: Record<string, string> }[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const host = (req.headers.host ?? "").split(":")[0] ?? "";
    if (req.method === "POST") {
      const type = req.headers["content-type"] ?? "";
      const fields = type.startsWith("multipart/")
        ? parseMultipart(body, type)
        : Object.fromEntries(new URLSearchParams(body));
      posts.push({ path: url.pathname, host, fields });
      if (url.pathname.endsWith("/signup")) {
        res.writeHead(303, { location: url.pathname.replace(/signup$/, "welcome") });
        return res.end();
      }
      res.writeHead(200, { "content-type": "application/json" });
      return res.end("{}");
    }
    const page = route(url, host);
    if (!page) {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end("not found");
    }
    const type = url.pathname.endsWith(".js") ? "text/javascript" : "text/html; charset=utf-8";
    res.writeHead(200, { "content-type": type, "cache-control": "no-store", ...page.headers });
    res.end(page.html);
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    posts,
    url: (path: string, host = "127.0.0.1") => `http://${host}:${port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function parseMultipart(body: string, type: string): Record<string, string> {
  const boundary = /boundary=(.+)$/.exec(type)?.[1] ?? "";
  const fields: Record<string, string> = {};
  for (const part of body.split(`--${boundary}`)) {
    const match = /name="([^"]+)"\r\n\r\n([\s\S]*?)\r\n$/.exec(part);
    if (match?.[1]) fields[match[1]] = match[2] ?? "";
  }
  return fields;
}

/** A plain fixture page: the tracker tag, a link on to the sign-up page, and on `/signup` a marked form. */
export function sitePage(opts: {
  title: string;
  tracker: string;
  signup: boolean;
  extraHead?: string;
  body?: string;
}): string {
  const form = `<form method="post" action="signup" data-vouch-lead>
  <input name="name" value="">
  <input name="email" type="email" value="">
  <input name="company" value="">
  <select name="size"><option value=""></option><option>11-50</option><option>51-200</option></select>
  <input name="referral_code" value="">
  <button type="submit">Start trial</button>
</form>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${opts.title}</title>
${opts.tracker}
${opts.extraHead ?? ""}
</head><body>
<h1>${opts.title}</h1>
<a id="start" href="signup">Start your trial</a>
${opts.signup ? form : ""}
${opts.body ?? ""}
</body></html>`;
}
