import { useState } from "preact/hooks";
import { api, dateTime, ok } from "../api";
import { Action, Badge, Card, Copy, Empty, ErrorNotice, Field, Loading, Page, useLoad } from "../ui";
import { CrmCard } from "./crm";

/** Stripe in: where Stripe sends, which events to enable, the signing secret (owners), and what arrived lately. */
export function Integrations(props: { canManage: boolean }) {
  const stripe = useLoad(() => ok(api.GET("/v1/integrations/stripe")), []);
  const [secret, setSecret] = useState("");
  if (stripe.error) return <ErrorNotice error={stripe.error} />;
  if (!stripe.data) return <Loading />;
  const s = stripe.data;
  return (
    <Page title="Integrations" lead="Let your billing and your CRM report conversions, with no code on your server.">
      <Card
        title="Stripe"
        actions={s.configured ? <Badge tone="good">connected</Badge> : <Badge tone="warn">not connected</Badge>}
      >
        <ol class="steps-list">
          <li>
            In Stripe (Developers → Webhooks → Add endpoint), paste this URL: <code class="wrap">{s.webhook_url}</code>{" "}
            <Copy text={s.webhook_url} />
          </li>
          <li>
            Select these events: <code>{s.events.join(", ")}</code>{" "}
            <Copy text={s.events.join("\n")} label="Copy the list" />
          </li>
          <li>Copy the endpoint's signing secret (whsec_…) and save it here.</li>
          <li>
            Pass the referral to Checkout: <code>client_reference_id</code> = the tracker's click id, or{" "}
            <code>metadata.vouch_code</code> on the Customer or Subscription (README, "Stripe in five minutes").
          </li>
        </ol>
        {props.canManage ? (
          <div class="stack">
            <Field
              label="Signing secret"
              hint={s.configured ? `Saved ${dateTime(s.updated_at)}. Saving again replaces it.` : "whsec_…"}
            >
              <input
                value={secret}
                autoComplete="off"
                onInput={(e) => setSecret((e.target as HTMLInputElement).value.trim())}
              />
            </Field>
            <div class="row">
              <Action
                variant="primary"
                disabled={!secret}
                run={async () => {
                  await ok(api.PUT("/v1/integrations/stripe", { body: { webhook_secret: secret } }));
                  setSecret("");
                  stripe.reload();
                }}
              >
                Save the secret
              </Action>
              {s.configured && (
                <Action
                  variant="danger"
                  run={async () => {
                    if (!confirm("Disconnect Stripe? Its events will be refused until you save a secret again."))
                      return;
                    await ok(api.DELETE("/v1/integrations/stripe", {}));
                    stripe.reload();
                  }}
                >
                  Disconnect
                </Action>
              )}
            </div>
          </div>
        ) : (
          <p class="muted">Only owners connect Stripe.</p>
        )}
      </Card>
      <Card title="What arrived">
        <p class="muted">
          {s.received} events received, {s.waiting} waiting to be applied, {s.unattributed} from customers nobody
          referred
          {s.last_received_at ? `; the last ${dateTime(s.last_received_at)}` : ""}.
        </p>
        {s.recent.length === 0 ? (
          <Empty>Nothing from Stripe yet.</Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Customer</th>
                <th scope="col">Received</th>
                <th scope="col">What it did</th>
              </tr>
            </thead>
            <tbody>
              {s.recent.map((e) => (
                <tr key={e.id}>
                  <td>
                    <code>{e.type}</code>
                    <div class="muted small">{e.id}</div>
                  </td>
                  <td>{e.customer}</td>
                  <td>{dateTime(e.received_at)}</td>
                  <td>
                    {e.outcome ?? "waiting"}
                    {e.referral_id && (
                      <>
                        {" "}
                        · <a href={`/admin/referrals/${e.referral_id}`}>referral</a>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <CrmCard provider="hubspot" canManage={props.canManage} />
      <CrmCard provider="salesforce" canManage={props.canManage} />
    </Page>
  );
}
