import { useMemo, useState } from "preact/hooks";
import { api, money, ok, percent } from "../api";
import { TimeChart } from "../chart";
import { Card, Empty, ErrorNotice, Kpi, Loading, Page, useLoad } from "../ui";

const RANGES = [
  ["7", "Last 7 days"],
  ["30", "Last 30 days"],
  ["90", "Last 90 days"],
  ["365", "Last 12 months"],
] as const;

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

export function Overview() {
  const [days, setDays] = useState("30");
  const [interval, setInterval] = useState<"day" | "week">("day");
  const [campaign, setCampaign] = useState("");
  const range = useMemo(() => {
    const to = Date.now();
    return { from: day(to - (Number(days) - 1) * 86_400_000), to: day(to) };
  }, [days]);
  const query = { ...range, ...(campaign ? { campaign } : {}) };

  const summary = useLoad(() => ok(api.GET("/v1/analytics/summary", { params: { query } })), [days, campaign]);
  const series = useLoad(async () => {
    const metric = (m: "visits" | "leads" | "conversions") =>
      ok(api.GET("/v1/analytics/timeseries", { params: { query: { ...query, metric: m, interval } } }));
    const [visits, leads, conversions] = await Promise.all([metric("visits"), metric("leads"), metric("conversions")]);
    return { visits, leads, conversions };
  }, [days, campaign, interval]);
  // Who the eligibility rules let see the callout (shown only when the program has rules).
  const eligibility = useLoad(() => ok(api.GET("/v1/analytics/eligibility")), []);
  const top = useLoad(
    () => ok(api.GET("/v1/analytics/top-members", { params: { query: { ...range, limit: 5 } } })),
    [days],
  );

  const s = summary.data;
  const chart = useMemo(() => {
    if (!series.data) return null;
    const { visits, leads, conversions } = series.data;
    return {
      days: visits.points.map((p) => p.start),
      traffic: [{ label: "Visits", values: visits.points.map((p) => p.value), color: "#4f46e5" }],
      outcomes: [
        { label: "Leads", values: leads.points.map((p) => p.value), color: "#0891b2" },
        { label: "Conversions", values: conversions.points.map((p) => p.value), color: "#16a34a" },
      ],
    };
  }, [series.data]);

  return (
    <Page
      title="Overview"
      lead="How your referral program is doing."
      actions={
        <div class="filters">
          <label>
            <span class="sr-only">Date range</span>
            <select value={days} onChange={(e) => setDays((e.target as HTMLSelectElement).value)}>
              {RANGES.map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span class="sr-only">Campaign</span>
            <select value={campaign} onChange={(e) => setCampaign((e.target as HTMLSelectElement).value)}>
              <option value="">All campaigns</option>
              {(s?.by_campaign ?? [])
                .filter((c) => c.campaign)
                .map((c) => (
                  <option key={c.campaign} value={c.campaign ?? ""}>
                    {c.campaign}
                  </option>
                ))}
            </select>
          </label>
          <label>
            <span class="sr-only">Interval</span>
            <select
              value={interval}
              onChange={(e) => setInterval((e.target as HTMLSelectElement).value as "day" | "week")}
            >
              <option value="day">Daily</option>
              <option value="week">Weekly</option>
            </select>
          </label>
        </div>
      }
    >
      <ErrorNotice error={summary.error} />
      {!s ? (
        <Loading />
      ) : (
        <>
          <div class="kpis">
            <Kpi
              label="Participation"
              value={percent(s.participation_rate)}
              hint={`${s.members.active} of ${s.members.total} members active`}
            />
            <Kpi label="Referral conversion" value={percent(s.referral_conversion_rate)} hint="customers / leads" />
            <Kpi
              label="Visits"
              value={s.visits.toLocaleString("en")}
              hint={`${s.unique_visitors.toLocaleString("en")} unique a day`}
            />
            <Kpi label="Leads" value={s.leads.toLocaleString("en")} />
            <Kpi
              label="Customers"
              value={s.conversions.toLocaleString("en")}
              hint={s.churned ? `${s.churned} churned` : undefined}
            />
            {eligibility.data?.rules ? (
              <Kpi
                label="Eligible members"
                value={eligibility.data.eligible.toLocaleString("en")}
                hint={`${eligibility.data.not_eligible.toLocaleString("en")} not eligible by your rules`}
              />
            ) : null}
            <Kpi
              label="Rewards owed"
              value={s.money.length ? s.money.map((m) => money(m.rewards_pending, m.currency)).join(" · ") : "—"}
              hint="pending or in review"
            />
          </div>
          <div class="grid two">
            <Card title={`Visits per ${interval}`}>
              {chart ? (
                <TimeChart title="Visits" days={chart.days} series={chart.traffic} bars={interval === "week"} />
              ) : (
                <Loading />
              )}
            </Card>
            <Card title={`Leads and conversions per ${interval}`}>
              {chart ? (
                <TimeChart title="Leads and conversions" days={chart.days} series={chart.outcomes} />
              ) : (
                <Loading />
              )}
            </Card>
          </div>
          <div class="grid three">
            <Card title="Funnel">
              <Funnel
                steps={[
                  ["Visits", s.funnel.visits, null],
                  ["Leads", s.funnel.leads, s.funnel.rates.visit_to_lead],
                  ["Qualified", s.funnel.qualified, s.funnel.rates.lead_to_qualified],
                  ["Customers", s.funnel.conversions, s.funnel.rates.qualified_to_conversion],
                ]}
              />
            </Card>
            <Card title="Shares by channel">
              <Bars
                entries={Object.entries(s.shares.by_channel).sort((a, b) => b[1] - a[1])}
                empty="No shares in this range."
              />
            </Card>
            <Card title="Top members">
              <ErrorNotice error={top.error} />
              {top.data && top.data.data.length === 0 && <Empty>No customers referred in this range yet.</Empty>}
              {top.data && top.data.data.length > 0 && (
                <ol class="top-members">
                  {top.data.data.map((m) => (
                    <li key={m.member_id}>
                      <a href={`/admin/members/${m.member_id}`}>{m.name ?? m.code}</a>
                      <span>
                        {m.conversions} {m.conversions === 1 ? "customer" : "customers"}
                      </span>
                    </li>
                  ))}
                </ol>
              )}
            </Card>
          </div>
          {s.money.length > 0 && (
            <Card title="Money">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">Currency</th>
                    <th scope="col">Referred revenue</th>
                    <th scope="col">Rewards earned</th>
                    <th scope="col">Paid</th>
                    <th scope="col">Owed</th>
                    <th scope="col">Return on rewards</th>
                  </tr>
                </thead>
                <tbody>
                  {s.money.map((m) => (
                    <tr key={m.currency}>
                      <th scope="row">{m.currency}</th>
                      <td>{money(m.revenue, m.currency)}</td>
                      <td>{money(m.rewards_earned, m.currency)}</td>
                      <td>{money(m.rewards_paid, m.currency)}</td>
                      <td>{money(m.rewards_pending, m.currency)}</td>
                      <td>{m.return_on_rewards === null ? "—" : `${m.return_on_rewards.toFixed(1)}×`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          )}
        </>
      )}
    </Page>
  );
}

function Funnel(props: { steps: [string, number, number | null][] }) {
  const max = Math.max(1, ...props.steps.map((s) => s[1]));
  return (
    <ol class="funnel">
      {props.steps.map(([label, value, rate], i) => (
        <li key={label}>
          <div class="funnel-label">
            <span>{label}</span>
            <strong>{value.toLocaleString("en")}</strong>
            {/* A rate from nothing (no visits recorded, e.g. leads sent by your server) says nothing. */}
            {rate !== null && <span class="muted">{(props.steps[i - 1]?.[1] ?? 0) > 0 ? percent(rate) : "—"}</span>}
          </div>
          <div class="meter" aria-hidden="true">
            <span style={{ width: `${(value / max) * 100}%` }} />
          </div>
        </li>
      ))}
    </ol>
  );
}

function Bars(props: { entries: [string, number][]; empty: string }) {
  if (props.entries.length === 0) return <Empty>{props.empty}</Empty>;
  const max = Math.max(1, ...props.entries.map((e) => e[1]));
  return (
    <ul class="bars">
      {props.entries.map(([label, value]) => (
        <li key={label}>
          <span class="bar-label">{label}</span>
          <span class="meter" aria-hidden="true">
            <span style={{ width: `${(value / max) * 100}%` }} />
          </span>
          <span class="bar-value">{value}</span>
        </li>
      ))}
    </ul>
  );
}
