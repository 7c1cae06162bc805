import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { Hono } from "hono";
import { afterEach, describe, expect, test } from "vitest";
import { attribution as hono } from "./hono";
import { attribution as http } from "./http";
import { attribution as next } from "./next";

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const referralOf = (response: Response) =>
  response.headers
    .getSetCookie()
    .find((c) => c.startsWith("vouch_ref="))
    ?.split(";")[0];
const decoded = (cookie: string | undefined) =>
  cookie && JSON.parse(decodeURIComponent(cookie.slice("vouch_ref=".length)));

describe("Node http", () => {
  test("a plain handler: the page gets the cookie, other cookies stay, non-page requests get none", async () => {
    const track = http({ windowDays: 30 });
    const origin = await serve((req, res) => {
      res.setHeader("set-cookie", "session=abc; HttpOnly");
      track(req, res);
      res.end("page");
    });
    const page = await fetch(`${origin}/?via=anna7k2m`);
    expect(page.headers.getSetCookie()).toHaveLength(2);
    expect(page.headers.getSetCookie()[0]).toBe("session=abc; HttpOnly");
    expect(decoded(referralOf(page))).toMatchObject({ code: "ANNA7K2M", set_by: "server" });
    expect(page.headers.getSetCookie()[1]).toContain("Max-Age=2592000");
    expect(referralOf(await fetch(`${origin}/?via=anna7k2m`, { method: "POST" }))).toBeUndefined();
  });

  test("Secure behind a TLS-terminating proxy that says https", async () => {
    const track = http();
    const origin = await serve((req, res) => {
      track(req, res);
      res.end();
    });
    const page = await fetch(`${origin}/?via=ANNA7K2M`, { headers: { "x-forwarded-proto": "https" } });
    expect(page.headers.getSetCookie()[0]).toMatch(/; Secure$/);
  });

  test("Express middleware: app.use(attribution()) and next() is called", async () => {
    const app = express();
    app.use(http({ model: "last" }));
    app.get("/", (_req, res) => {
      res.send("landing");
    });
    const origin = await serve(app);
    const page = await fetch(`${origin}/?via=ANNA7K2M`);
    expect(await page.text()).toBe("landing");
    expect(decoded(referralOf(page)).code).toBe("ANNA7K2M");
  });
});

describe("Next.js middleware (standard Request/Response)", () => {
  test("adds the cookie to the response it is given and returns it", async () => {
    const track = next();
    const response = new Response(null, { headers: { "x-middleware-next": "1" } });
    const result = track(new Request("https://acme.example/?via=ANNA7K2M"), response);
    expect(result).toBe(response);
    expect(referralOf(result)).toMatch(/^vouch_ref=/);
    expect(response.headers.getSetCookie()[0]).toMatch(/; Secure$/);
  });

  test("copies a response whose headers are immutable; leaves other requests alone", async () => {
    const track = next();
    const immutable = Response.redirect("https://acme.example/pricing", 302);
    const result = track(new Request("https://acme.example/go?via=ANNA7K2M"), immutable);
    expect(result).not.toBe(immutable);
    expect(result.status).toBe(302);
    expect(referralOf(result)).toBeDefined();
    const post = new Response("ok");
    expect(
      referralOf(track(new Request("https://acme.example/?via=ANNA7K2M", { method: "POST" }), post)),
    ).toBeUndefined();
  });
});

describe("Hono", () => {
  test("as app middleware, on a rendered page and on a Response passed through from fetch", async () => {
    const app = new Hono();
    app.use(hono({ windowDays: 7 }));
    app.get("/", (c) => c.html("<h1>Acme</h1>"));
    app.get("/asset", () => Response.redirect("https://cdn.acme.example/a.css", 302));
    const page = await app.request("https://acme.example/?via=ANNA7K2M");
    expect(await page.text()).toBe("<h1>Acme</h1>");
    expect(page.headers.getSetCookie()[0]).toMatch(/Max-Age=604800; SameSite=Lax; Secure$/);
    const passedThrough = await app.request("https://acme.example/asset?via=ANNA7K2M");
    expect(passedThrough.status).toBe(302);
    expect(referralOf(passedThrough)).toBeDefined();
    expect(referralOf(await app.request("https://acme.example/"))).toBeUndefined();
  });
});
