import { useState } from "preact/hooks";
import { api, dateTime, ok } from "../api";
import { Action, Badge, Card, Copy, Dialog, Empty, ErrorNotice, Field, Loading, Page, useLoad } from "../ui";

const KEY_STORE = "vouch.publishable-key";

function Snippet(props: { title: string; code: string; children?: preact.ComponentChildren }) {
  return (
    <div class="snippet">
      <div class="snippet-head">
        <h3>{props.title}</h3>
        <Copy text={props.code} />
      </div>
      {props.children}
      <pre>
        <code>{props.code}</code>
      </pre>
    </div>
  );
}

/** Copy-paste snippets with this program's keys, the keys themselves, and a live check that the install works. */
export function Install(props: { role: "owner" | "admin" | "viewer" }) {
  const program = useLoad(() => ok(api.GET("/v1/program")), []);
  const activity = useLoad(() => ok(api.GET("/v1/program/activity")), []);
  const keys = useLoad(() => ok(api.GET("/v1/api-keys")), []);
  const [pk, setPk] = useState(localStorage.getItem(`${KEY_STORE}:${location.host}`) ?? "");
  const [shown, setShown] = useState<{ type: string; secret: string } | null>(null);
  if (program.error) return <ErrorNotice error={program.error} />;
  if (!program.data) return <Loading />;
  const p = program.data.program;
  const origin = location.origin;
  const key = pk || "vch_pk_…";
  const owner = props.role === "owner";

  return (
    <Page
      title="Install & keys"
      lead="Three snippets: the widget in your product, the tracker on your site, and signing on your server."
    >
      <Card
        title="Is it working?"
        actions={
          <button type="button" class="btn plain small" onClick={activity.reload}>
            Check again
          </button>
        }
      >
        <ErrorNotice error={activity.error} />
        {activity.data && (
          <ul class="checks">
            {(
              [
                ["Widget: a member enrolled", activity.data.last_member_at],
                ["Widget: a member shared", activity.data.last_share_at],
                ["Tracker: a visit through a referral link", activity.data.last_visit_at],
                ["A referral arrived (a lead or a conversion)", activity.data.last_referral_at],
                ["Your server or billing moved a referral on", activity.data.last_event_at],
              ] as const
            ).map(([label, at]) => (
              <li key={label}>
                {at ? <Badge tone="good">received</Badge> : <Badge tone="warn">not yet</Badge>} {label}
                <span class="muted"> {at ? `last ${dateTime(at)}` : ""}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Snippets">
        <Field
          label="Publishable key for the snippets"
          hint="Keys are stored hashed, so Vouch cannot show an old one: paste yours, or create one below."
        >
          <input
            value={pk}
            placeholder="vch_pk_…"
            onInput={(e) => {
              const v = (e.target as HTMLInputElement).value.trim();
              setPk(v);
              localStorage.setItem(`${KEY_STORE}:${location.host}`, v);
            }}
          />
        </Field>
        <Snippet
          title="1. The widget, in your product"
          code={`<script>window.vouch=window.vouch||function(){(vouch.q=vouch.q||[]).push(arguments)}</script>
<script async src="${origin}/widget.js" data-key="${key}"></script>
<div data-vouch-callout></div>
<script>vouch('init', { member: { id, email, name, company }, signature })</script>`}
        >
          <p class="muted small">
            Your product's origin must be in the program's allowed origins ({p.allowed_origins.join(", ") || "none yet"}
            ).
          </p>
        </Snippet>
        <Snippet
          title="2. The tracker, on your marketing site"
          code={`<script async src="${origin}/vouch.lead.js" data-key="${key}"></script>\n<form data-vouch-lead>…your sign-up form…</form>`}
        />
        <Snippet
          title="3. Signing the member, on your server"
          code={`import { signIdentity } from "@vouch/node";
const { member, signature } = await signIdentity(user, { identitySecret: process.env.VOUCH_IDENTITY_SECRET });`}
        />
        <Snippet
          title="4. Conversions: Stripe's webhook URL (or POST /v1/conversions)"
          code={`${origin}/v1/integrations/stripe/${p.id}`}
        />
      </Card>
      <Card title="API keys">
        <ErrorNotice error={keys.error} />
        {keys.data && keys.data.data.length === 0 && <Empty>No keys.</Empty>}
        {keys.data && keys.data.data.length > 0 && (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Type</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                {owner && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {keys.data.data.map((k) => (
                <tr key={k.id}>
                  <td>
                    <code>{k.prefix}</code>
                  </td>
                  <td>{k.type}</td>
                  <td>{dateTime(k.created_at)}</td>
                  <td>{k.revoked_at ? <Badge tone="bad">revoked</Badge> : <Badge tone="good">active</Badge>}</td>
                  {owner && (
                    <td>
                      {!k.revoked_at && (
                        <Action
                          variant="danger"
                          aria-label={`Revoke ${k.prefix}`}
                          run={async () => {
                            if (!confirm(`Revoke ${k.prefix}? Anything still using it stops working.`)) return;
                            await ok(api.DELETE("/v1/api-keys/{id}", { params: { path: { id: k.id } } }));
                            keys.reload();
                          }}
                        >
                          Revoke
                        </Action>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {owner ? (
          <div class="row">
            {(["publishable", "secret"] as const).map((type) => (
              <Action
                key={type}
                run={async () => {
                  const created = await ok(api.POST("/v1/api-keys", { body: { type } }));
                  setShown({ type, secret: created.key.secret });
                  if (type === "publishable") {
                    setPk(created.key.secret);
                    localStorage.setItem(`${KEY_STORE}:${location.host}`, created.key.secret);
                  }
                  keys.reload();
                }}
              >
                Create a {type} key
              </Action>
            ))}
          </div>
        ) : (
          <p class="muted">Only owners create and revoke keys.</p>
        )}
        <p class="muted small">Rotation: create the new key, deploy it, then revoke the old one.</p>
      </Card>
      <Dialog title="Your new key" open={shown !== null} onClose={() => setShown(null)}>
        {shown && (
          <div class="stack">
            <p>
              {shown.type === "secret"
                ? "Shown once: store it in your secrets manager now. It is never shown again."
                : "Publishable keys are safe in a browser."}
            </p>
            <code class="wrap big">{shown.secret}</code>
            <div class="row">
              <Copy text={shown.secret} />
              <button type="button" class="btn primary" onClick={() => setShown(null)}>
                I have stored it
              </button>
            </div>
          </div>
        )}
      </Dialog>
    </Page>
  );
}
