import { useState } from "preact/hooks";
import { api, dateTime, ok, type Schemas } from "../api";
import type { paths } from "../api-schema";
import {
  Action,
  Badge,
  Card,
  Copy,
  Dialog,
  Empty,
  ErrorNotice,
  Field,
  Loading,
  LoadMore,
  Page,
  Status,
  useLoad,
  usePagedList,
} from "../ui";

type EventName = NonNullable<
  paths["/v1/webhook-endpoints"]["post"]["requestBody"]["content"]["application/json"]["events"]
>[number];
type Endpoint = Schemas["WebhookEndpoint"];

const EVENTS = [
  "member.created",
  "referral.created",
  "referral.status_changed",
  "reward.created",
  "reward.approved",
  "reward.paid",
  "reward.voided",
  "review.flagged",
] as const satisfies readonly EventName[];

/**
 * Webhook endpoints and the delivery log: add an endpoint (its secret shown once), send a test event and see the
 * answer, pause or resume, rotate the secret, and replay a delivery. Owners only change them (src/admin).
 */
export function Webhooks(props: { canManage: boolean }) {
  const endpoints = useLoad(() => ok(api.GET("/v1/webhook-endpoints")), []);
  const deliveries = usePagedList(
    (cursor) =>
      ok(api.GET("/v1/webhook-deliveries", { params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } } })),
    [],
  );
  const [secret, setSecret] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const refresh = () => {
    endpoints.reload();
    deliveries.reload();
  };
  return (
    <Page
      title="Webhooks"
      lead="Vouch tells your server when something happens, signed per Standard Webhooks."
      actions={
        props.canManage && (
          <button type="button" class="btn primary" onClick={() => setAdding(true)}>
            Add an endpoint…
          </button>
        )
      }
    >
      <ErrorNotice error={endpoints.error} />
      {!endpoints.data ? (
        <Loading />
      ) : endpoints.data.data.length === 0 ? (
        <Empty>No endpoints yet.</Empty>
      ) : (
        endpoints.data.data.map((e) => (
          <EndpointCard key={e.id} endpoint={e} canManage={props.canManage} onChanged={refresh} onSecret={setSecret} />
        ))
      )}
      <Card
        title="Deliveries"
        actions={
          <button type="button" class="btn plain small" onClick={deliveries.reload}>
            Refresh
          </button>
        }
      >
        <ErrorNotice error={deliveries.error} />
        {deliveries.rows.length === 0 ? (
          <Empty>Nothing sent yet.</Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">Created</th>
                {props.canManage && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {deliveries.rows.map((d) => (
                <tr key={d.id}>
                  <td>
                    <code>{d.event.type}</code>
                    <div class="muted small">{d.event.id}</div>
                  </td>
                  <td>
                    <Status value={d.state} />
                  </td>
                  <td>{d.attempts}</td>
                  <td>{d.last_status ?? d.last_error ?? "—"}</td>
                  <td>{dateTime(d.created_at)}</td>
                  {props.canManage && (
                    <td>
                      <Action
                        aria-label={`Replay ${d.event.type} ${d.id}`}
                        run={async () => {
                          await ok(api.POST("/v1/webhook-deliveries/{id}/replay", { params: { path: { id: d.id } } }));
                          deliveries.reload();
                        }}
                      >
                        Replay
                      </Action>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <LoadMore more={deliveries.more} />
      </Card>
      <Dialog title="Add an endpoint" open={adding} onClose={() => setAdding(false)}>
        <AddEndpoint
          onCancel={() => setAdding(false)}
          onAdded={(s) => {
            setAdding(false);
            setSecret(s);
            refresh();
          }}
        />
      </Dialog>
      <Dialog title="Signing secret" open={secret !== null} onClose={() => setSecret(null)}>
        {secret && (
          <div class="stack">
            <p>
              Verify every delivery with this secret (the Standard Webhooks libraries, or `verifyWebhook` in
              @vouch/node).
            </p>
            <code class="wrap big">{secret}</code>
            <div class="row">
              <Copy text={secret} />
              <button type="button" class="btn primary" onClick={() => setSecret(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      </Dialog>
    </Page>
  );
}

function EndpointCard(props: {
  endpoint: Endpoint;
  canManage: boolean;
  onChanged: () => void;
  onSecret: (s: string) => void;
}) {
  const e = props.endpoint;
  const [answer, setAnswer] = useState<string | null>(null);
  const id = { params: { path: { id: e.id } } };
  return (
    <Card
      title={e.url}
      actions={
        <Badge tone={e.status === "enabled" ? (e.failing_since ? "warn" : "good") : "bad"}>
          {e.status === "enabled" ? (e.failing_since ? "failing" : "enabled") : "disabled"}
        </Badge>
      }
    >
      <p class="muted small">
        {e.description ? `${e.description} · ` : ""}
        {e.events.includes("*") ? "every event" : e.events.join(", ")}
        {e.failing_since ? ` · failing since ${dateTime(e.failing_since)}` : ""}
        {e.disabled_reason ? ` · ${e.disabled_reason}` : ""}
      </p>
      {answer && (
        <div class="notice good" role="status">
          {answer}
        </div>
      )}
      {props.canManage && (
        <div class="row">
          <Action
            run={async () => {
              const r = await ok(api.POST("/v1/webhook-endpoints/{id}/test", id));
              setAnswer(
                `Test event answered ${r.attempt.status ?? r.attempt.error ?? "nothing"} in ${r.attempt.latency_ms} ms.`,
              );
              props.onChanged();
            }}
          >
            Send a test event
          </Action>
          <Action
            run={async () => {
              await ok(api.PATCH("/v1/webhook-endpoints/{id}", { ...id, body: { enabled: e.status !== "enabled" } }));
              props.onChanged();
            }}
          >
            {e.status === "enabled" ? "Pause" : "Resume"}
          </Action>
          <Action
            run={async () => {
              const r = await ok(
                api.POST("/v1/webhook-endpoints/{id}/rotate-secret", { ...id, body: { grace_hours: 24 } }),
              );
              props.onSecret(r.secret);
              props.onChanged();
            }}
          >
            Rotate the secret
          </Action>
          <Action
            variant="danger"
            run={async () => {
              if (!confirm(`Delete the endpoint ${e.url}?`)) return;
              await ok(api.DELETE("/v1/webhook-endpoints/{id}", id));
              props.onChanged();
            }}
          >
            Delete
          </Action>
        </div>
      )}
    </Card>
  );
}

function AddEndpoint(props: { onAdded: (secret: string) => void; onCancel: () => void }) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<Set<EventName>>(new Set(["*"]));
  const [error, setError] = useState<unknown>(null);
  const toggle = (name: EventName) => {
    const next = new Set(events);
    next.delete("*");
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setEvents(next.size ? next : new Set(["*"]));
  };
  return (
    <form
      class="stack"
      onSubmit={async (ev) => {
        ev.preventDefault();
        setError(null);
        try {
          const r = await ok(api.POST("/v1/webhook-endpoints", { body: { url, description, events: [...events] } }));
          props.onAdded(r.secret);
        } catch (err) {
          setError(err);
        }
      }}
    >
      <Field label="URL" hint="https, on a public host (http://localhost in a test-mode program).">
        <input type="url" required value={url} onInput={(ev) => setUrl((ev.target as HTMLInputElement).value)} />
      </Field>
      <Field label="Description">
        <input
          value={description}
          maxLength={200}
          onInput={(ev) => setDescription((ev.target as HTMLInputElement).value)}
        />
      </Field>
      <fieldset class="events">
        <legend>Events</legend>
        <label>
          <input type="checkbox" checked={events.has("*")} onChange={() => setEvents(new Set(["*"]))} /> Every event
        </label>
        {EVENTS.map((name) => (
          <label key={name}>
            <input type="checkbox" checked={events.has(name)} onChange={() => toggle(name)} /> <code>{name}</code>
          </label>
        ))}
      </fieldset>
      <ErrorNotice error={error} />
      <div class="row">
        <button type="submit" class="btn primary">
          Add endpoint
        </button>
        <button type="button" class="btn plain" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
