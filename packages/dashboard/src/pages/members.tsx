import { useState } from "preact/hooks";
import { api, date, money, ok } from "../api";
import {
  Action,
  Card,
  Copy,
  Empty,
  ErrorNotice,
  Field,
  Kpi,
  Loading,
  LoadMore,
  Page,
  Status,
  useDebounced,
  useLoad,
  usePagedList,
} from "../ui";

export function Members() {
  const [term, setTerm] = useState(new URLSearchParams(location.search).get("q") ?? "");
  const q = useDebounced(term.trim());
  const load = usePagedList(
    (cursor) =>
      ok(
        api.GET("/v1/members", {
          params: { query: { ...(q ? { q } : {}), ...(cursor ? { cursor } : {}), limit: 50 } },
        }),
      ),
    [q],
  );
  const rows = load.rows;
  return (
    <Page title="Members" lead="The customers who refer, newest first.">
      <div class="toolbar">
        <label class="search">
          <span class="sr-only">Search members</span>
          <input
            type="search"
            placeholder="Search name, email, code, company, your id"
            value={term}
            onInput={(e) => setTerm((e.target as HTMLInputElement).value)}
          />
        </label>
      </div>
      <ErrorNotice error={load.error} />
      {load.loading && rows.length === 0 ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>
          {q ? "No member matches." : "No members yet: they enrol when your product shows them the widget."}
        </Empty>
      ) : (
        <Card>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Code</th>
                <th scope="col">Status</th>
                <th scope="col">Joined</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <tr key={m.id}>
                  <td>
                    <a href={`/admin/members/${m.id}`}>{m.name ?? m.email ?? m.external_id}</a>
                    <div class="muted small">{[m.email, m.company].filter(Boolean).join(" · ")}</div>
                  </td>
                  <td>
                    <code>{m.code}</code>
                  </td>
                  <td>
                    <Status value={m.status} />
                  </td>
                  <td>{date(m.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <LoadMore more={load.more} />
        </Card>
      )}
    </Page>
  );
}

export function MemberDetail(props: { id: string; canWrite: boolean }) {
  const [reason, setReason] = useState("");
  const load = useLoad(async () => {
    const [detail, referrals, rewards] = await Promise.all([
      ok(api.GET("/v1/members/{id}", { params: { path: { id: props.id } } })),
      ok(api.GET("/v1/referrals", { params: { query: { member_id: props.id, limit: 100 } } })),
      ok(api.GET("/v1/rewards", { params: { query: { member_id: props.id, limit: 100 } } })),
    ]);
    return { ...detail, referrals: referrals.data, ledger: rewards.data };
  }, [props.id]);
  if (load.error) return <ErrorNotice error={load.error} />;
  if (!load.data) return <Loading />;
  const { member: m, stats, rewards, referrals, ledger } = load.data;
  return (
    <Page title={m.name ?? m.email ?? m.external_id} lead={[m.email, m.company].filter(Boolean).join(" · ")}>
      <p>
        <a href="/admin/members">← All members</a>
      </p>
      <div class="kpis">
        <Kpi label="Visits" value={String(stats.visits)} />
        <Kpi label="Shares" value={String(stats.shares)} />
        <Kpi label="Leads" value={String(stats.leads)} />
        <Kpi label="Customers" value={String(stats.converted)} />
        {rewards.totals.map((t) => (
          <Kpi
            key={t.currency}
            label={`Earned (${t.currency})`}
            value={money(t.earned + t.pending, t.currency)}
            hint={`${money(t.paid, t.currency)} paid`}
          />
        ))}
      </div>
      <div class="grid two">
        <Card title="Link">
          <dl class="facts">
            <dt>Referral link</dt>
            <dd>
              <code class="wrap">{m.link}</code> <Copy text={m.link} />
            </dd>
            <dt>Short link</dt>
            <dd>
              <code class="wrap">{m.short_link}</code> <Copy text={m.short_link} />
            </dd>
            <dt>Code</dt>
            <dd>
              <code>{m.code}</code>
            </dd>
            <dt>Your id</dt>
            <dd>
              <code>{m.external_id}</code>
            </dd>
            <dt>Status</dt>
            <dd>
              <Status value={m.status} />
              {m.suspended_reason && <span class="muted"> {m.suspended_reason}</span>}
            </dd>
          </dl>
        </Card>
        {props.canWrite && (
          <Card title={m.status === "active" ? "Suspend" : "Suspended"}>
            {m.status === "active" ? (
              <div class="stack">
                <p class="muted">
                  A suspended member's link records nothing new, they earn nothing, and their unpaid rewards are not
                  approved.
                </p>
                <Field label="Reason">
                  <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
                </Field>
                <Action
                  variant="danger"
                  disabled={!reason.trim()}
                  run={async () => {
                    await ok(
                      api.POST("/v1/members/{id}/suspend", { params: { path: { id: m.id } }, body: { reason } }),
                    );
                    load.reload();
                  }}
                >
                  Suspend member
                </Action>
              </div>
            ) : (
              <Action
                run={async () => {
                  await ok(
                    api.POST("/v1/members/{id}/unsuspend", {
                      params: { path: { id: m.id } },
                      body: { reason: "Lifted from the dashboard." },
                    }),
                  );
                  load.reload();
                }}
              >
                Lift the suspension
              </Action>
            )}
          </Card>
        )}
      </div>
      <Card title="Referrals">
        {referrals.length === 0 ? (
          <Empty>No referrals yet.</Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Friend</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {referrals.map((r) => (
                <tr key={r.id}>
                  <td>
                    <a href={`/admin/referrals/${r.id}`}>{r.friend.email ?? r.id}</a>
                  </td>
                  <td>
                    <Status value={r.status} />
                  </td>
                  <td>{date(r.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Rewards">
        {ledger.length === 0 ? (
          <Empty>No rewards yet.</Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Reward</th>
                <th scope="col">For</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {ledger.map((w) => (
                <tr key={w.id}>
                  <td>{w.currency ? money(w.amount, w.currency) : `${w.amount} ${w.kind.replace(/_/g, " ")}`}</td>
                  <td>
                    {w.recipient} · {w.rule.id}
                  </td>
                  <td>
                    <Status value={w.state} />
                  </td>
                  <td>{date(w.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </Page>
  );
}
