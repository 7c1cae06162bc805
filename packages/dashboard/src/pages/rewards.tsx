import { useState } from "preact/hooks";
import { api, date, money, ok, type Schemas, session } from "../api";
import { Action, Card, Dialog, Empty, ErrorNotice, Field, Loading, Page, Status, Tabs, useLoad } from "../ui";

type Reward = Schemas["Reward"];
type State = "pending" | "approved" | "in_review" | "paid" | "voided";

const TABS: [State, string, string][] = [
  ["pending", "To approve", "Pending rewards: approve those whose hold has ended, or void them."],
  ["approved", "To pay", "Approved rewards: export them for your payout run, then mark them paid with its reference."],
  ["in_review", "In review", "Held by a fraud rule until you decide the review."],
  ["paid", "Paid", "Paid rewards and their payout."],
  ["voided", "Voided", "Voided rewards and why."],
];

const amount = (w: Reward) => (w.currency ? money(w.amount, w.currency) : `${w.amount} ${w.kind.replace(/_/g, " ")}`);

export function Rewards(props: { canWrite: boolean }) {
  const [tab, setTab] = useState<State>((new URLSearchParams(location.search).get("state") as State) || "pending");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState<string | null>(null);
  const [dialog, setDialog] = useState<"pay" | "void" | null>(null);
  const load = useLoad(async () => {
    history.replaceState(null, "", `/admin/rewards?state=${tab}`);
    setSelected(new Set());
    return ok(api.GET("/v1/rewards", { params: { query: { state: tab, limit: 200 } } }));
  }, [tab]);
  const rows = load.data?.data ?? [];
  const ids = [...selected];
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const selectable = props.canWrite && (tab === "pending" || tab === "approved");
  const done = (text: string) => {
    setMessage(text);
    setDialog(null);
    load.reload();
  };

  return (
    <Page
      title="Rewards"
      lead="Approve what members earned, export a payout run, and record it as paid."
      actions={
        <Action
          run={async () => {
            const res = await fetch("/v1/rewards/export.csv", { headers: { "X-Vouch-Program": session.program } });
            if (!res.ok) throw new Error(`Export failed (HTTP ${res.status}).`);
            const url = URL.createObjectURL(await res.blob());
            const a = document.createElement("a");
            a.href = url;
            a.download = `vouch-approved-rewards-${new Date().toISOString().slice(0, 10)}.csv`;
            a.click();
            setTimeout(() => URL.revokeObjectURL(url), 1000);
          }}
        >
          Export approved (CSV)
        </Action>
      }
    >
      <Tabs
        label="Reward state"
        tabs={TABS}
        current={tab}
        onSelect={(state) => {
          setMessage(null);
          setTab(state);
        }}
      />
      <p class="muted">{TABS.find((t) => t[0] === tab)?.[2]}</p>
      {message && (
        <div class="notice good" role="status">
          {message}
        </div>
      )}
      <ErrorNotice error={load.error} />
      {selectable && rows.length > 0 && (
        <div class="toolbar">
          <span class="muted">{ids.length} selected</span>
          {tab === "pending" && (
            <Action
              variant="primary"
              disabled={ids.length === 0}
              run={async () => {
                const r = await ok(api.POST("/v1/rewards/approve", { body: { ids } }));
                const skipped = r.skipped.length
                  ? `, ${r.skipped.length} skipped (${[...new Set(r.skipped.map((s) => s.reason.replace(/_/g, " ")))].join(", ")})`
                  : "";
                done(`${r.approved.length} approved${skipped}.`);
              }}
            >
              Approve selected
            </Action>
          )}
          {tab === "approved" && (
            <button type="button" class="btn primary" disabled={ids.length === 0} onClick={() => setDialog("pay")}>
              Mark selected paid…
            </button>
          )}
          <button type="button" class="btn danger" disabled={ids.length === 0} onClick={() => setDialog("void")}>
            Void selected…
          </button>
        </div>
      )}
      {load.loading && rows.length === 0 ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>Nothing here.</Empty>
      ) : (
        <Card>
          <table class="table">
            <thead>
              <tr>
                {selectable && (
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label="Select all"
                      checked={ids.length === rows.length}
                      onChange={(e) =>
                        setSelected(new Set((e.target as HTMLInputElement).checked ? rows.map((r) => r.id) : []))
                      }
                    />
                  </th>
                )}
                <th scope="col">Amount</th>
                <th scope="col">For</th>
                <th scope="col">Rule</th>
                <th scope="col">State</th>
                <th scope="col">{tab === "pending" ? "Available" : tab === "paid" ? "Paid" : "Created"}</th>
                <th scope="col">Referral</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((w) => (
                <tr key={w.id}>
                  {selectable && (
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${amount(w)} for the ${w.recipient}`}
                        checked={selected.has(w.id)}
                        onChange={() => toggle(w.id)}
                      />
                    </td>
                  )}
                  <td>
                    <strong>{amount(w)}</strong>
                    {w.clawback_of && <div class="muted small">clawback</div>}
                  </td>
                  <td>
                    <a href={`/admin/members/${w.member_id}`}>{w.recipient}</a>
                  </td>
                  <td>{w.rule.id}</td>
                  <td>
                    <Status value={w.state} />
                    {w.awaiting_qualification && <div class="muted small">awaiting qualification</div>}
                    {w.void_reason && <div class="muted small">{w.void_reason}</div>}
                  </td>
                  <td>{date(tab === "pending" ? w.available_at : tab === "paid" ? w.paid_at : w.created_at)}</td>
                  <td>{w.referral_id ? <a href={`/admin/referrals/${w.referral_id}`}>open</a> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      <Dialog title="Mark paid" open={dialog === "pay"} onClose={() => setDialog(null)}>
        <PayForm ids={ids} rows={rows} onDone={done} onCancel={() => setDialog(null)} />
      </Dialog>
      <Dialog title="Void rewards" open={dialog === "void"} onClose={() => setDialog(null)}>
        <VoidForm ids={ids} onDone={done} onCancel={() => setDialog(null)} />
      </Dialog>
    </Page>
  );
}

function PayForm(props: { ids: string[]; rows: Reward[]; onDone: (m: string) => void; onCancel: () => void }) {
  const [reference, setReference] = useState("");
  const [error, setError] = useState<unknown>(null);
  const totals = new Map<string, number>();
  for (const w of props.rows)
    if (props.ids.includes(w.id) && w.currency) totals.set(w.currency, (totals.get(w.currency) ?? 0) + w.amount);
  return (
    <form
      class="stack"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          const r = await ok(
            api.POST("/v1/rewards/pay", {
              body: { ids: props.ids, payout_reference: reference },
              headers: { "Idempotency-Key": `dashboard-pay:${reference}:${props.ids.join(",")}`.slice(0, 255) },
            }),
          );
          props.onDone(`${r.payout.reward_count} rewards marked paid under “${r.payout.reference}”.`);
        } catch (err) {
          setError(err);
        }
      }}
    >
      <p>
        {props.ids.length} rewards: {[...totals].map(([c, v]) => money(v, c)).join(" · ") || "no money"}
      </p>
      <Field label="Payout reference" hint="Your bank transfer, PayPal batch or invoice number.">
        <input required value={reference} onInput={(e) => setReference((e.target as HTMLInputElement).value)} />
      </Field>
      <ErrorNotice error={error} />
      <div class="row">
        <button type="submit" class="btn primary">
          Mark paid
        </button>
        <button type="button" class="btn plain" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function VoidForm(props: { ids: string[]; onDone: (m: string) => void; onCancel: () => void }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      class="stack"
      onSubmit={async (e) => {
        e.preventDefault();
        let voided = 0;
        try {
          for (const id of props.ids) {
            await ok(api.POST("/v1/rewards/{id}/void", { params: { path: { id } }, body: { reason } }));
            voided++;
          }
          props.onDone(`${voided} rewards voided.`);
        } catch (err) {
          setError(err);
        }
      }}
    >
      <p>Voiding cannot be undone. The members see these rewards disappear.</p>
      <Field label="Reason" hint="Kept in the ledger.">
        <input required value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      </Field>
      <ErrorNotice error={error} />
      <div class="row">
        <button type="submit" class="btn danger">
          Void {props.ids.length} rewards
        </button>
        <button type="button" class="btn plain" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
