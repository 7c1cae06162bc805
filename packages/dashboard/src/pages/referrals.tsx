import { REFERRAL_STATUSES, type ReferralStatus, TRANSITIONS } from "@vouch/edge-api/referral-status";
import { useState } from "preact/hooks";
import { api, date, dateTime, money, ok, type Schemas } from "../api";
import {
  Card,
  Empty,
  ErrorNotice,
  Field,
  Loading,
  LoadMore,
  Page,
  Status,
  useDebounced,
  useLoad,
  usePagedList,
} from "../ui";

type Referral = Schemas["Referral"];

export function Referrals() {
  const params = new URLSearchParams(location.search);
  const [term, setTerm] = useState(params.get("q") ?? "");
  const q = useDebounced(term.trim());
  const [status, setStatus] = useState(params.get("status") ?? "");
  const load = usePagedList(
    (cursor) => {
      const query = {
        ...(q ? { q } : {}),
        ...(status ? { status: status as ReferralStatus } : {}),
        ...(cursor ? { cursor } : {}),
        limit: 50,
      };
      const shown = new URLSearchParams({ ...(q ? { q } : {}), ...(status ? { status } : {}) });
      history.replaceState(null, "", `/admin/referrals${shown.size ? `?${shown}` : ""}`);
      return ok(api.GET("/v1/referrals", { params: { query } }));
    },
    [q, status],
  );
  const rows = load.rows;
  return (
    <Page title="Referrals" lead="Every friend your members referred, newest first.">
      <div class="toolbar">
        <label class="search">
          <span class="sr-only">Search referrals</span>
          <input
            type="search"
            placeholder="Search email, name, company, customer id"
            value={term}
            onInput={(e) => setTerm((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          <span class="sr-only">Status</span>
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">Every status</option>
            {REFERRAL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNotice error={load.error} />
      {load.loading && rows.length === 0 ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>No referrals match.</Empty>
      ) : (
        <Card>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Friend</th>
                <th scope="col">Status</th>
                <th scope="col">Value</th>
                <th scope="col">Source</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>
                    <a href={`/admin/referrals/${r.id}`}>{r.friend.email ?? r.external_customer_id ?? r.id}</a>
                    <div class="muted small">{[r.friend.name, r.friend.company].filter(Boolean).join(" · ")}</div>
                  </td>
                  <td>
                    <Status value={r.status} />
                  </td>
                  <td>{r.value_cents !== null && r.currency ? money(r.value_cents, r.currency) : "—"}</td>
                  <td>{r.source}</td>
                  <td>{date(r.created_at)}</td>
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

interface TimelineItem {
  at: string;
  title: string;
  detail?: string;
}

export function ReferralDetail(props: { id: string; canWrite: boolean }) {
  const load = useLoad(async () => {
    const [detail, rewards, crm] = await Promise.all([
      ok(api.GET("/v1/referrals/{id}", { params: { path: { id: props.id } } })),
      ok(api.GET("/v1/rewards", { params: { query: { referral_id: props.id, limit: 100 } } })),
      ok(api.GET("/v1/integrations/crm-log", { params: { query: { referral_id: props.id, limit: 50 } } })),
    ]);
    const member = await ok(api.GET("/v1/members/{id}", { params: { path: { id: detail.referral.member_id } } }));
    return { ...detail, rewards: rewards.data, member: member.member, crm: crm.data };
  }, [props.id]);
  if (load.error) return <ErrorNotice error={load.error} />;
  if (!load.data) return <Loading />;
  const { referral: r, events, reviews, audit, rewards, member, crm } = load.data;
  const timeline: TimelineItem[] = [
    {
      at: r.created_at,
      title: `Referral created (${r.source})`,
      detail: r.click_id ? `click ${r.click_id}` : undefined,
    },
    ...events.map((e) => ({
      at: e.created_at,
      title: `${e.from ?? "new"} → ${e.to}`,
      detail: [e.value_cents !== null && e.currency ? money(e.value_cents, e.currency) : null, e.plan, e.reason]
        .filter(Boolean)
        .join(" · "),
    })),
    ...rewards.map((w) => ({
      at: w.created_at,
      title: `Reward for the ${w.recipient}: ${w.currency ? money(w.amount, w.currency) : `${w.amount} ${w.kind}`} (${w.state.replace("_", " ")})`,
      detail: w.rule.id,
    })),
    ...reviews.map((v) => ({
      at: v.created_at,
      title: `Fraud review ${v.status}`,
      detail: v.reasons.map((x) => x.message).join(" "),
    })),
    ...audit.map((a) => ({
      at: a.created_at,
      title: a.action.replace(/[._]/g, " "),
      detail: [a.actor, a.reason].filter(Boolean).join(" · "),
    })),
    // What went to or came from the CRM (src/integrations/crm's sync log).
    ...crm.map((e) => ({
      at: e.created_at,
      title: `${e.provider === "hubspot" ? "HubSpot" : "Salesforce"} ${e.direction === "out" ? "sync" : "update"}: ${e.action}`,
      detail: e.detail ?? undefined,
    })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return (
    <Page title={r.friend.email ?? r.id} lead={`Referred by ${member.name ?? member.email ?? member.code}`}>
      <p>
        <a href="/admin/referrals">← All referrals</a>
      </p>
      <div class="grid two">
        <Card title="Referral">
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <Status value={r.status} />
            </dd>
            <dt>Friend</dt>
            <dd>{[r.friend.name, r.friend.company, r.friend.role].filter(Boolean).join(" · ") || "—"}</dd>
            <dt>Member</dt>
            <dd>
              <a href={`/admin/members/${member.id}`}>{member.name ?? member.email ?? member.code}</a>
            </dd>
            <dt>Value</dt>
            <dd>
              {r.value_cents !== null && r.currency
                ? `${money(r.value_cents, r.currency)}${r.plan ? ` · ${r.plan}` : ""}`
                : "—"}
            </dd>
            <dt>Customer id</dt>
            <dd>{r.external_customer_id ?? "—"}</dd>
            <dt>Created</dt>
            <dd>{dateTime(r.created_at)}</dd>
          </dl>
          {props.canWrite && <ChangeStatus referral={r} onDone={load.reload} />}
        </Card>
        <Card title="Timeline">
          <ol class="timeline">
            {timeline.map((t, i) => (
              <li key={`${t.at}-${i}`}>
                <time dateTime={t.at}>{dateTime(t.at)}</time>
                <strong>{t.title}</strong>
                {t.detail && <span class="muted">{t.detail}</span>}
              </li>
            ))}
          </ol>
        </Card>
      </div>
    </Page>
  );
}

function ChangeStatus(props: { referral: Referral; onDone: () => void }) {
  const next = TRANSITIONS[props.referral.status];
  const [status, setStatus] = useState<ReferralStatus | "">(next[0] ?? "");
  const [reason, setReason] = useState("");
  const [value, setValue] = useState("");
  const [error, setError] = useState<unknown>(null);
  if (next.length === 0)
    return <p class="muted">This referral is {props.referral.status}: it does not change any more.</p>;
  const paying = status === "converted" || status === "renewed";
  return (
    <form
      class="stack"
      aria-label="Change status"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        const currency = props.referral.currency ?? "USD";
        const cents = value ? Math.round(Number(value) * 100) : undefined;
        try {
          await ok(
            api.PATCH("/v1/referrals/{id}", {
              params: { path: { id: props.referral.id } },
              body: {
                status: status as ReferralStatus,
                ...(reason ? { reason } : {}),
                ...(cents !== undefined ? { value_cents: cents, currency } : {}),
              },
              headers: { "Idempotency-Key": `dashboard:${props.referral.id}:${props.referral.updated_at}:${status}` },
            }),
          );
          props.onDone();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h3>Change status</h3>
      <Field label="New status">
        <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as ReferralStatus)}>
          {next.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </Field>
      {paying && (
        <Field label={`Deal value (${props.referral.currency ?? "USD"})`} hint="Optional: percent rewards use it.">
          <input inputMode="decimal" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        </Field>
      )}
      <Field label="Reason" hint="Kept in the audit log.">
        <input value={reason} required onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      </Field>
      <ErrorNotice error={error} />
      <div>
        <button type="submit" class="btn primary">
          Change status
        </button>
      </div>
    </form>
  );
}
