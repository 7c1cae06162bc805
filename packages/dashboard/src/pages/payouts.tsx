import { useState } from "preact/hooks";
import { api, date, money, ok, type Schemas } from "../api";
import { Action, Card, Empty, ErrorNotice, Field, Loading, Page, Status, Tabs, useLoad } from "../ui";

type Payout = Schemas["Payout"];
type Settings = Schemas["PayoutSettings"];
type Method = Settings["methods"][number];
type Filter = "all" | "queued" | "processing" | "paid" | "failed";

const METHODS: [Method, string][] = [
  ["paypal", "PayPal Payouts"],
  ["tremendous", "Tremendous gift cards"],
  ["wise", "Wise transfers"],
  ["account_credit", "Account credit (you apply and confirm it)"],
  ["manual", "Manual (CSV export, then mark paid)"],
];
const METHOD_NAME = Object.fromEntries(METHODS.map(([m, label]) => [m, label.split(" (")[0]])) as Record<
  Method,
  string
>;

const REASONS: Record<string, string> = {
  no_method: "has not chosen how to be paid",
  manual: "is paid manually (CSV export)",
  method_not_offered: "chose a method you no longer offer",
  method_not_selected: "uses a method not in this run",
  member_suspended: "is suspended",
  nothing_to_pay: "owes a clawback larger than their rewards",
  below_minimum: "is below the minimum payout",
  yearly_limit: "reached the yearly limit",
  run_full: "did not fit in this run (run again)",
};

const FILTERS: [Filter, string, string][] = [
  ["all", "All", "Every payout, newest first."],
  ["queued", "Queued", "Created by a run, waiting to be sent (or retried after a provider's error)."],
  ["processing", "Processing", "The provider has it; Vouch asks it until it says paid or failed."],
  ["paid", "Paid", "Confirmed by the provider (or by you, for account credit): their rewards are paid."],
  ["failed", "Failed", "Refused by the provider or canceled: their rewards went back to approved."],
];

export function Payouts(props: { canWrite: boolean }) {
  const [filter, setFilter] = useState<Filter>("all");
  const [message, setMessage] = useState<string | null>(null);
  const [runResult, setRunResult] = useState<{
    payouts: number;
    totals: Record<string, number>;
    waiting: { member_id: string; currency: string; amount: number; reason: string; limit?: number }[];
  } | null>(null);
  const list = useLoad(
    () =>
      ok(api.GET("/v1/payouts", { params: { query: { limit: 100, ...(filter === "all" ? {} : { state: filter }) } } })),
    [filter],
  );
  const settings = useLoad(() => ok(api.GET("/v1/payouts/settings")), []);
  const rows = list.data?.data ?? [];

  return (
    <Page
      title="Payouts"
      lead="Pay approved rewards through each member's chosen method. Rewards are paid only when the provider confirms."
    >
      {message && (
        <div class="notice good" role="status">
          {message}
        </div>
      )}
      {props.canWrite && (
        <Card title="Run a payout">
          <RunForm
            onDone={(r) => {
              setRunResult(r);
              setMessage(
                r.payouts === 0
                  ? "Nothing to pay in this run."
                  : `${r.payouts} payout${r.payouts === 1 ? "" : "s"} created: ${Object.entries(r.totals)
                      .map(([c, v]) => money(v, c))
                      .join(", ")}. They are sent in the background.`,
              );
              list.reload();
            }}
          />
          {runResult && runResult.waiting.length > 0 && (
            <>
              <h3>Waiting</h3>
              <ul class="plain">
                {runResult.waiting.map((w) => (
                  <li key={`${w.member_id}-${w.currency}-${w.reason}`}>
                    <a href={`/admin/members/${w.member_id}`}>{w.member_id}</a> ({money(w.amount, w.currency)}){" "}
                    {REASONS[w.reason] ?? w.reason.replace(/_/g, " ")}
                    {w.limit !== undefined && ` (${money(w.limit, w.currency)})`}
                  </li>
                ))}
              </ul>
            </>
          )}
        </Card>
      )}
      <Tabs label="Payout state" tabs={FILTERS} current={filter} onSelect={setFilter} />
      <p class="muted">{FILTERS.find((f) => f[0] === filter)?.[2]}</p>
      <ErrorNotice error={list.error} />
      {list.loading && rows.length === 0 ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>No payouts yet.</Empty>
      ) : (
        <Card>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Amount</th>
                <th scope="col">Member</th>
                <th scope="col">Method</th>
                <th scope="col">State</th>
                <th scope="col">Provider</th>
                <th scope="col">Created</th>
                {props.canWrite && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((p: Payout) => (
                <tr key={p.id}>
                  <td>
                    <strong>{p.currency && p.amount !== null ? money(p.amount, p.currency) : "—"}</strong>
                    <div class="muted small">
                      {p.reward_count} reward{p.reward_count === 1 ? "" : "s"}
                    </div>
                  </td>
                  <td>
                    {p.member_id ? (
                      <a href={`/admin/members/${p.member_id}`}>{p.recipient_email ?? p.member_id}</a>
                    ) : (
                      p.reference
                    )}
                  </td>
                  <td>{METHOD_NAME[p.method]}</td>
                  <td>
                    <Status value={p.state} />
                    {p.failure_code && <div class="muted small">{p.failure_code.replace(/_/g, " ")}</div>}
                  </td>
                  <td>
                    {p.provider_id ? <code>{p.provider_id}</code> : "—"}
                    {p.provider_status && <div class="muted small">{p.provider_status}</div>}
                  </td>
                  <td>{date(p.paid_at ?? p.created_at)}</td>
                  {props.canWrite && (
                    <td>
                      {p.method === "account_credit" && p.state === "processing" && (
                        <Action
                          variant="primary"
                          run={async () => {
                            await ok(api.POST("/v1/payouts/{id}/confirm", { params: { path: { id: p.id } } }));
                            setMessage("Account credit confirmed: its rewards are paid.");
                            list.reload();
                          }}
                        >
                          Confirm applied
                        </Action>
                      )}
                      {(p.state === "queued" || (p.method === "account_credit" && p.state === "processing")) && (
                        <Action
                          variant="danger"
                          run={async () => {
                            await ok(api.POST("/v1/payouts/{id}/cancel", { params: { path: { id: p.id } } }));
                            setMessage("Payout canceled: its rewards are approved again.");
                            list.reload();
                          }}
                        >
                          Cancel
                        </Action>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      <Card title="Payout settings">
        <ErrorNotice error={settings.error} />
        {settings.data && (
          <SettingsForm
            settings={settings.data.settings}
            canWrite={props.canWrite}
            onSaved={() => {
              setMessage("Payout settings saved.");
              settings.reload();
            }}
          />
        )}
      </Card>
    </Page>
  );
}

function RunForm(props: {
  onDone: (r: {
    payouts: number;
    totals: Record<string, number>;
    waiting: { member_id: string; currency: string; amount: number; reason: string; limit?: number }[];
  }) => void;
}) {
  const [currency, setCurrency] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="row"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const r = await ok(
            api.POST("/v1/payouts/runs", {
              body: currency ? { currency: currency.toUpperCase() } : {},
              headers: { "Idempotency-Key": `dashboard-run:${crypto.randomUUID()}` },
            }),
          );
          props.onDone({ payouts: r.payouts.length, totals: r.run.totals, waiting: r.waiting });
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <Field label="Currency" hint="Leave empty to pay every currency.">
        <input
          value={currency}
          maxLength={3}
          pattern="[A-Za-z]{3}"
          placeholder="USD"
          onInput={(e) => setCurrency((e.target as HTMLInputElement).value)}
        />
      </Field>
      <button type="submit" class="btn primary" disabled={busy} aria-busy={busy}>
        Pay approved rewards
      </button>
      <ErrorNotice error={error} />
    </form>
  );
}

function majorInput(minor: number | undefined): string {
  return minor === undefined ? "" : String(minor / 100);
}

function SettingsForm(props: { settings: Settings; canWrite: boolean; onSaved: () => void }) {
  const s = props.settings;
  const [methods, setMethods] = useState<Set<Method>>(new Set(s.methods));
  const [currency, setCurrency] = useState(Object.keys({ ...s.minimum_amounts, ...s.yearly_limits })[0] ?? "USD");
  const [minimum, setMinimum] = useState(majorInput(s.minimum_amounts[currency]));
  const [limit, setLimit] = useState(majorInput(s.yearly_limits[currency]));
  const [products, setProducts] = useState(s.tremendous.products.join(", "));
  const [error, setError] = useState<unknown>(null);
  const toMinor = (text: string) => (text.trim() ? Math.round(Number(text) * 100) : null);
  return (
    <form
      class="stack"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          const min = toMinor(minimum);
          const lim = toMinor(limit);
          const cur = currency.toUpperCase();
          await ok(
            api.PATCH("/v1/payouts/settings", {
              body: {
                methods: [...methods],
                minimum_amounts: min ? { [cur]: min } : {},
                yearly_limits: lim ? { [cur]: lim } : {},
                tremendous: {
                  products: products
                    .split(",")
                    .map((p) => p.trim())
                    .filter(Boolean),
                  campaign_id: s.tremendous.campaign_id,
                },
              },
            }),
          );
          props.onSaved();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <fieldset class="checks" disabled={!props.canWrite}>
        <legend>Members may choose</legend>
        {METHODS.map(([m, label]) => (
          <label key={m}>
            <input
              type="checkbox"
              checked={methods.has(m)}
              onChange={(e) => {
                const next = new Set(methods);
                if ((e.target as HTMLInputElement).checked) next.add(m);
                else next.delete(m);
                setMethods(next);
              }}
            />{" "}
            {label}
          </label>
        ))}
      </fieldset>
      <div class="row">
        <Field label="Currency">
          <input
            value={currency}
            maxLength={3}
            disabled={!props.canWrite}
            onInput={(e) => setCurrency((e.target as HTMLInputElement).value)}
          />
        </Field>
        <Field label="Minimum payout" hint="Rewards wait until they add up to this.">
          <input
            inputMode="decimal"
            value={minimum}
            disabled={!props.canWrite}
            onInput={(e) => setMinimum((e.target as HTMLInputElement).value)}
          />
        </Field>
        <Field label="Yearly limit per member" hint="E.g. 600 to stay under the US 1099 threshold.">
          <input
            inputMode="decimal"
            value={limit}
            disabled={!props.canWrite}
            onInput={(e) => setLimit((e.target as HTMLInputElement).value)}
          />
        </Field>
      </div>
      <Field label="Tremendous products" hint="Product ids members choose a gift card from, comma-separated.">
        <input
          value={products}
          disabled={!props.canWrite}
          onInput={(e) => setProducts((e.target as HTMLInputElement).value)}
        />
      </Field>
      <ErrorNotice error={error} />
      {props.canWrite && (
        <div>
          <button type="submit" class="btn primary">
            Save payout settings
          </button>
        </div>
      )}
    </form>
  );
}
