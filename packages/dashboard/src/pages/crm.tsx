import { useState } from "preact/hooks";
import { api, dateTime, ok } from "../api";
import { Action, Badge, Card, Copy, Empty, ErrorNotice, Field, Loading, useLoad } from "../ui";

type Provider = "hubspot" | "salesforce";
type CrmStatus = "qualified" | "converted" | "lost";

const NAMES: Record<Provider, string> = { hubspot: "HubSpot", salesforce: "Salesforce" };

/** `Stage = status` lines ↔ the API's stage map. */
function mapToText(map: Record<string, CrmStatus>): string {
  return Object.entries(map)
    .map(([stage, status]) => `${stage} = ${status}`)
    .join("\n");
}

function textToMap(text: string): Record<string, CrmStatus> | string {
  const map: Record<string, CrmStatus> = {};
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (!line) continue;
    const [stage, status] = line.split("=").map((s) => s.trim());
    if (!stage || (status !== "qualified" && status !== "converted" && status !== "lost")) {
      return `"${line}": write "stage = qualified", "= converted" or "= lost".`;
    }
    map[stage] = status;
  }
  return map;
}

/**
 * One CRM's settings: the URL to paste, write-only credentials (never shown, only a hint of which are saved),
 * the stage mapping, what to sync, and the last entries of its sync log.
 */
export function CrmCard(props: { provider: Provider; canManage: boolean }) {
  const { provider } = props;
  const name = NAMES[provider];
  const settings = useLoad(
    () =>
      provider === "hubspot" ? ok(api.GET("/v1/integrations/hubspot")) : ok(api.GET("/v1/integrations/salesforce")),
    [provider],
  );
  const log = useLoad(
    () => ok(api.GET("/v1/integrations/crm-log", { params: { query: { provider, limit: 10 } } })),
    [provider],
  );
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [stages, setStages] = useState<string | null>(null);
  const [syncIn, setSyncIn] = useState<boolean | null>(null);
  const [syncOut, setSyncOut] = useState<boolean | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [stageError, setStageError] = useState<string | null>(null);
  if (settings.error) return <ErrorNotice error={settings.error} />;
  if (!settings.data) return <Loading />;
  const s = settings.data;
  const fields: [string, string, string][] =
    provider === "hubspot"
      ? [
          ["access_token", "Private app access token", "pat-…"],
          ["client_secret", "App client secret (signs webhooks)", ""],
        ]
      : [
          ["instance_url", "My Domain URL", "https://acme.my.salesforce.com"],
          ["client_id", "Consumer key", ""],
          ["client_secret", "Consumer secret", ""],
          ["org_id", "Organization id", "00D…"],
        ];
  const secretField = (f: string) => f !== "instance_url" && f !== "org_id";
  const set = (f: string, v: string) => setSecrets((old) => ({ ...old, [f]: v.trim() }));

  return (
    <Card
      title={name}
      actions={s.configured ? <Badge tone="good">connected</Badge> : <Badge tone="warn">not connected</Badge>}
    >
      <ol class="steps-list">
        {provider === "hubspot" ? (
          <>
            <li>Create a private app with the contacts and deals scopes (README, "HubSpot").</li>
            <li>
              In its Webhooks tab, use this target URL and subscribe to deal <code>dealstage</code> changes:{" "}
              <code class="wrap">{s.webhook_url}</code> <Copy text={s.webhook_url} />
            </li>
          </>
        ) : (
          <>
            <li>Add the Vouch fields and a connected app with the client credentials flow (README, "Salesforce").</li>
            <li>
              Send Opportunity stage changes from a Flow (Bearer inbound secret) or an Outbound Message (
              <code>?token=</code>) to: <code class="wrap">{s.webhook_url}</code> <Copy text={s.webhook_url} />
            </li>
          </>
        )}
      </ol>
      {props.canManage ? (
        <div class="stack">
          {fields.map(([f, label, placeholder]) => (
            <Field
              key={f}
              label={label}
              hint={
                secretField(f) && s.configured
                  ? `Saved${f === fields[0]?.[0] || f === "client_id" ? ` (${s.credentials_hint ?? "hidden"})` : ""}; never shown. Leave empty to keep it.`
                  : f === "org_id" && s.org_id
                    ? `Saved: ${s.org_id}`
                    : undefined
              }
            >
              <input
                type={secretField(f) ? "password" : "text"}
                autoComplete="off"
                placeholder={placeholder}
                value={secrets[f] ?? ""}
                onInput={(e) => set(f, (e.target as HTMLInputElement).value)}
              />
            </Field>
          ))}
          <Field
            label="Stage mapping"
            hint="One per line: CRM stage = qualified, converted or lost. Case and spaces do not matter."
            error={stageError}
          >
            <textarea
              rows={4}
              value={stages ?? mapToText(s.stage_map)}
              onInput={(e) => setStages((e.target as HTMLTextAreaElement).value)}
            />
          </Field>
          <div class="row">
            <label class="row">
              <input
                type="checkbox"
                checked={syncOut ?? s.sync_out}
                onChange={(e) => setSyncOut((e.target as HTMLInputElement).checked)}
              />
              Send referrals to {name}
            </label>
            <label class="row">
              <input
                type="checkbox"
                checked={syncIn ?? s.sync_in}
                onChange={(e) => setSyncIn((e.target as HTMLInputElement).checked)}
              />
              Apply {name} stage changes
            </label>
          </div>
          {shown && (
            <p role="status">
              Inbound secret (shown once, for the Flow's header or the Outbound Message URL): <code>{shown}</code>{" "}
              <Copy text={shown} />
            </p>
          )}
          <div class="row">
            <Action
              variant="primary"
              run={async () => {
                const map = textToMap(stages ?? mapToText(s.stage_map));
                if (typeof map === "string") {
                  setStageError(map);
                  return;
                }
                setStageError(null);
                const body = {
                  ...Object.fromEntries(Object.entries(secrets).filter(([, v]) => v)),
                  stage_map: map,
                  ...(syncIn === null ? {} : { sync_in: syncIn }),
                  ...(syncOut === null ? {} : { sync_out: syncOut }),
                };
                const saved =
                  provider === "hubspot"
                    ? await ok(api.PUT("/v1/integrations/hubspot", { body }))
                    : await ok(api.PUT("/v1/integrations/salesforce", { body }));
                setShown(saved.inbound_secret ?? null);
                setSecrets({});
                settings.reload();
              }}
            >
              Save {name}
            </Action>
            {s.configured && (
              <Action
                variant="danger"
                run={async () => {
                  if (!confirm(`Disconnect ${name}? Its credentials are forgotten and nothing more is synced.`)) return;
                  if (provider === "hubspot") await ok(api.DELETE("/v1/integrations/hubspot", {}));
                  else await ok(api.DELETE("/v1/integrations/salesforce", {}));
                  settings.reload();
                }}
              >
                Disconnect
              </Action>
            )}
          </div>
        </div>
      ) : (
        <p class="muted">Only owners connect {name}.</p>
      )}
      <p class="muted">
        Referrals synced: {s.outbox.synced}, waiting: {s.outbox.pending}, failed: {s.outbox.failed}.
      </p>
      {log.data && log.data.data.length === 0 && <Empty>Nothing synced with {name} yet.</Empty>}
      {log.data && log.data.data.length > 0 && (
        <table class="table">
          <caption class="muted small">Latest sync log</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Direction</th>
              <th scope="col">What</th>
              <th scope="col">Referral</th>
            </tr>
          </thead>
          <tbody>
            {log.data.data.map((e) => (
              <tr key={e.id}>
                <td>{dateTime(e.created_at)}</td>
                <td>{e.direction === "out" ? `to ${name}` : `from ${name}`}</td>
                <td>
                  <code>{e.action}</code>
                  {e.detail && <div class="muted small">{e.detail}</div>}
                </td>
                <td>{e.referral_id && <a href={`/admin/referrals/${e.referral_id}`}>referral</a>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
