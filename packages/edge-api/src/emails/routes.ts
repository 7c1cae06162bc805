import type { Context } from "hono";
import { type AppEnv, router } from "../lib/app";
import { html, type Markup } from "../program-page/render";
import { verifyUnsubscribeToken } from "./unsubscribe-token";

/**
 * Member email routes, HTML for people (not API operations, so not in the API document):
 *
 * - `POST /u/<token>`: one-click unsubscribe (RFC 8058: mail clients POST `List-Unsubscribe=One-Click` to the
 *   `List-Unsubscribe` URL; the footer's link leads to the same POST through `GET /u/<token>`, a page with one
 *   button, because link scanners follow GETs). The member gets no more email from the program.
 * - `GET /dev/mail`, `/dev/mail/<id>`, `/dev/mail/<id>/text`: what the `local` provider stored, when VOUCH_ENV is
 *   not "production".
 */
export const emailRoutes = router();

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function page(c: Context<AppEnv>, status: 200 | 400 | 404, title: string, body: Markup, csp = CSP) {
  c.header("Content-Security-Policy", csp);
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Content-Type-Options", "nosniff");
  return c.html(
    html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">${body}</body></html>`.toString(),
    status,
  );
}

async function programFor(c: Context<AppEnv>, token: string) {
  const programId = /^ous1\.(prg_[A-Za-z0-9]{1,64})\./.exec(token)?.[1];
  if (!programId) return null;
  const row = await c.env.DB.prepare("SELECT id, token_secret FROM programs WHERE id = ?")
    .bind(programId)
    .first<{ id: string; token_secret: string }>();
  return row ? { id: row.id, tokenSecret: row.token_secret } : null;
}

const invalid = (c: Context<AppEnv>) =>
  page(
    c,
    400,
    "Link not valid",
    html`<h1>This unsubscribe link is not valid</h1><p>Please use the link in your latest email.</p>`,
  );

emailRoutes.get("/u/:token", async (c) => {
  const token = c.req.param("token");
  const program = await programFor(c, token);
  if (!program || !(await verifyUnsubscribeToken(program, token))) return invalid(c);
  return page(
    c,
    200,
    "Unsubscribe",
    html`<h1>Unsubscribe from referral emails?</h1><form method="post" action="/u/${token}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
  );
});

emailRoutes.post("/u/:token", async (c) => {
  const token = c.req.param("token");
  const program = await programFor(c, token);
  const verified = program && (await verifyUnsubscribeToken(program, token));
  if (!program || !verified) return invalid(c);
  await c.env.DB.prepare(
    `INSERT INTO email_unsubscribes (member_id, program_id, created_at)
     SELECT id, program_id, ? FROM members WHERE id = ? AND program_id = ?
     ON CONFLICT (member_id) DO NOTHING`,
  )
    .bind(Date.now(), verified.memberId, program.id)
    .run();
  return page(c, 200, "Unsubscribed", html`<h1>You are unsubscribed</h1><p>You will get no more referral emails.</p>`);
});

interface LocalMessage {
  id: string;
  to_address: string;
  from_address: string;
  subject: string;
  html: string;
  text: string;
  headers: string;
  created_at: number;
}

emailRoutes.get("/dev/mail", async (c) => {
  if (c.env.VOUCH_ENV === "production") return c.notFound();
  const { results } = await c.env.DB.prepare(
    "SELECT id, to_address, from_address, subject, created_at FROM email_local_messages ORDER BY created_at DESC, id LIMIT 200",
  ).all<LocalMessage>();
  return page(
    c,
    200,
    "Local mail",
    html`<h1>Local mail</h1><p>What the local email provider stored (newest first).</p><table><thead><tr><th>When</th><th>To</th><th>Subject</th><th></th></tr></thead><tbody>${results.map(
      (m) =>
        html`<tr><td>${new Date(m.created_at).toISOString()}</td><td>${m.to_address}</td><td><a href="/dev/mail/${m.id}">${m.subject}</a></td><td><a href="/dev/mail/${m.id}/text">text</a></td></tr>`,
    )}</tbody></table>`,
  );
});

async function localMessage(c: Context<AppEnv>) {
  if (c.env.VOUCH_ENV === "production") return null;
  return c.env.DB.prepare("SELECT * FROM email_local_messages WHERE id = ?")
    .bind(c.req.param("id"))
    .first<LocalMessage>();
}

// The message's own HTML, as a mail client would show it (no script may run: the CSP allows none).
emailRoutes.get("/dev/mail/:id", async (c) => {
  const m = await localMessage(c);
  if (!m) return c.notFound();
  c.header(
    "Content-Security-Policy",
    "default-src 'none'; style-src 'unsafe-inline'; img-src https:; sandbox allow-popups allow-top-navigation-by-user-activation",
  );
  c.header("Cache-Control", "no-store");
  c.header("X-Content-Type-Options", "nosniff");
  return c.html(m.html);
});

emailRoutes.get("/dev/mail/:id/text", async (c) => {
  const m = await localMessage(c);
  if (!m) return c.notFound();
  c.header("Cache-Control", "no-store");
  c.header("X-Content-Type-Options", "nosniff");
  const headers = Object.entries(JSON.parse(m.headers) as Record<string, string>)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join("");
  return c.text(`From: ${m.from_address}\nTo: ${m.to_address}\nSubject: ${m.subject}\n${headers}\n${m.text}`);
});
