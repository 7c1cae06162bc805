import { api, dateTime, money, ok, percent, type Schemas } from "../api";
import { Action, Badge, Card, Empty, ErrorNotice, Loading, Page, useLoad } from "../ui";

type Experiment = Schemas["Experiment"];
type Results = Schemas["ExperimentResults"];

/**
 * A/B experiments of the share message and the offer (`/v1/experiments`). Starting one is an API call (its
 * variants carry rule sets); here the vendor reads the results per variant, the readout, and ends it.
 */
export function Experiments() {
  const load = useLoad(() => ok(api.GET("/v1/experiments", { params: { query: { limit: 50 } } })), []);
  const rows = load.data?.data ?? [];
  return (
    <Page
      title="Experiments"
      lead="Variants of the share message and the offer, each member assigned one. Start one with POST /v1/experiments."
    >
      <ErrorNotice error={load.error} />
      {load.loading && rows.length === 0 ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>No experiments yet: start one with POST /v1/experiments (see the README's "Experiments").</Empty>
      ) : (
        <Card>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Experiment</th>
                <th scope="col">Status</th>
                <th scope="col">Variants</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id}>
                  <td>
                    <a href={`/admin/experiments/${e.id}`}>{e.name}</a>
                  </td>
                  <td>
                    <ExperimentStatus experiment={e} />
                  </td>
                  <td>{e.variants.map((v) => v.key).join(", ")}</td>
                  <td>{dateTime(e.started_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </Page>
  );
}

function ExperimentStatus(props: { experiment: Experiment }) {
  return props.experiment.status === "running" ? <Badge tone="good">Running</Badge> : <Badge>Ended</Badge>;
}

export function ExperimentDetail(props: { id: string; canWrite: boolean }) {
  const load = useLoad(
    () => ok(api.GET("/v1/experiments/{id}/results", { params: { path: { id: props.id } } })),
    [props.id],
  );
  const r = load.data as Results | undefined;
  return (
    <Page
      title={r ? r.experiment.name : "Experiment"}
      actions={
        r && props.canWrite && r.experiment.status === "running" ? (
          <Action
            variant="danger"
            run={async () => {
              await ok(api.POST("/v1/experiments/{id}/end", { params: { path: { id: props.id } } }));
              load.reload();
            }}
          >
            End experiment
          </Action>
        ) : undefined
      }
    >
      <ErrorNotice error={load.error} />
      {!r ? (
        load.loading ? (
          <Loading />
        ) : null
      ) : (
        <>
          <p class="muted small">
            <ExperimentStatus experiment={r.experiment} /> From {dateTime(r.window.from)} to{" "}
            {r.experiment.status === "running" ? "now" : dateTime(r.window.to)}. Ending keeps every reward earned under
            a variant; members return to the program's message and rules.
          </p>
          <Card title="Readout">
            <p data-testid="experiment-readout">{r.readout}</p>
          </Card>
          <Card title="Results per variant">
            <table class="table">
              <caption class="sr-only">Results per variant</caption>
              <thead>
                <tr>
                  <th scope="col">Variant</th>
                  <th scope="col">Members shown</th>
                  <th scope="col">Shares</th>
                  <th scope="col">Visits</th>
                  <th scope="col">Leads</th>
                  <th scope="col">Conversions</th>
                  <th scope="col">Conversion rate</th>
                  <th scope="col">Reward cost</th>
                </tr>
              </thead>
              <tbody>
                {r.variants.map((v) => (
                  <tr key={v.variant_id}>
                    <th scope="row">
                      {v.key}
                      {v.name ? ` · ${v.name}` : ""}
                    </th>
                    <td>{v.exposed}</td>
                    <td>{v.shares}</td>
                    <td>{v.visits}</td>
                    <td>{v.leads}</td>
                    <td>{v.conversions}</td>
                    <td>{v.conversion_rate === null ? "—" : percent(v.conversion_rate)}</td>
                    <td>
                      {v.reward_cost.length === 0
                        ? "—"
                        : v.reward_cost.map((c) => money(c.amount, c.currency)).join(" + ")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p class="muted small">
              Conversion rate: members with at least one converted referral ÷ members shown the variant.
            </p>
          </Card>
          <Card title="Messages">
            <ul>
              {r.experiment.variants.map((v) => (
                <li key={v.id}>
                  <strong>{v.key}</strong> (weight {v.weight}): {v.message ?? "the program's message"}
                  {v.rules ? " · its own reward rules" : ""}
                </li>
              ))}
            </ul>
          </Card>
        </>
      )}
    </Page>
  );
}
