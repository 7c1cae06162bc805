import { useState } from "preact/hooks";
import { api, dateTime, money, ok, percent, type Schemas } from "../api";
import type { paths } from "../api-schema";
import { navigate } from "../router";
import { Action, Badge, Card, Empty, ErrorNotice, Field, Loading, Page, useLoad } from "../ui";

type Experiment = Schemas["Experiment"];
type Results = Schemas["ExperimentResults"];
type NewExperimentBody = NonNullable<paths["/v1/experiments"]["post"]["requestBody"]>["content"]["application/json"];
type VariantRules = NewExperimentBody["variants"][number]["rules"];

/**
 * A/B experiments of the share message and the offer (`/v1/experiments`): start one (variants of the message, each
 * optionally with its own reward rules), read the results per variant and the readout, and end it.
 */
export function Experiments(props: { canWrite: boolean }) {
  const load = useLoad(() => ok(api.GET("/v1/experiments", { params: { query: { limit: 50 } } })), []);
  const rows = load.data?.data ?? [];
  return (
    <Page
      title="Experiments"
      lead="Variants of the share message and the offer, each member assigned one when they are first shown the program."
    >
      <ErrorNotice error={load.error} />
      {props.canWrite && !rows.some((e) => e.status === "running") && !load.loading && <NewExperiment />}
      {load.loading && rows.length === 0 ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>No experiments yet.</Empty>
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

interface VariantDraft {
  key: string;
  message: string;
  weight: string;
  rules: string;
}

const blankVariant = (key: string): VariantDraft => ({ key, message: "", weight: "1", rules: "" });

/** The first of a, b, c, … no variant uses yet. */
function unusedKey(variants: VariantDraft[]): string {
  const used = new Set(variants.map((v) => v.key));
  for (let c = 97; c < 123; c++) if (!used.has(String.fromCharCode(c))) return String.fromCharCode(c);
  return `v${variants.length + 1}`;
}

/** Starting an experiment: its name and 2 to 10 variants (key, message, weight, and optionally their own rules). */
function NewExperiment() {
  const [name, setName] = useState("");
  const [variants, setVariants] = useState<VariantDraft[]>([blankVariant("a"), blankVariant("b")]);
  const [rulesErrors, setRulesErrors] = useState<(string | null)[]>([]);
  const change = (i: number, patch: Partial<VariantDraft>) =>
    setVariants((vs) => vs.map((v, j) => (j === i ? { ...v, ...patch } : v)));

  const start = async () => {
    const errors = variants.map((v) => {
      if (!v.rules.trim()) return null;
      try {
        JSON.parse(v.rules);
        return null;
      } catch {
        return "This is not JSON: paste a rule set as on the Rules page, or leave it empty.";
      }
    });
    setRulesErrors(errors);
    if (errors.some(Boolean)) throw new Error("A variant's reward rules are not JSON: see the field marked in red.");
    const body: NewExperimentBody = {
      name: name.trim(),
      variants: variants.map((v) => ({
        key: v.key.trim(),
        weight: Number(v.weight),
        ...(v.message.trim() ? { message: v.message.trim() } : {}),
        // The API checks the rule set's shape and answers which field is wrong.
        ...(v.rules.trim() ? { rules: JSON.parse(v.rules) as VariantRules } : {}),
      })),
    };
    const { experiment } = await ok(api.POST("/v1/experiments", { body }));
    navigate(`experiments/${experiment.id}`);
  };

  return (
    <Card title="Start an experiment">
      <p class="muted small">
        Each member is assigned a variant by weight the first time the widget or their page shows them the program, and
        keeps it. A variant without a message uses the program's; one without rules pays by the program's rules. One
        experiment runs at a time.
      </p>
      <Field label="Experiment name">
        <input value={name} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      {variants.map((v, i) => (
        <fieldset key={i} class="variant">
          <legend>Variant {i + 1}</legend>
          <Field label={`Variant ${i + 1} key`} hint="Its short name in the results, e.g. a, b, team-savings.">
            <input value={v.key} maxLength={30} onInput={(e) => change(i, { key: e.currentTarget.value })} />
          </Field>
          <Field
            label={`Variant ${i + 1} message`}
            hint="Placeholders as in the program's message: {name}, {program}, {offer}, {link}, {code}."
          >
            <textarea rows={2} value={v.message} onInput={(e) => change(i, { message: e.currentTarget.value })} />
          </Field>
          <Field
            label={`Variant ${i + 1} weight`}
            hint="Weights 1 and 1 split members half and half; 3 and 1, three to one."
          >
            <input
              type="number"
              min={1}
              max={10000}
              value={v.weight}
              onInput={(e) => change(i, { weight: e.currentTarget.value })}
            />
          </Field>
          <Field
            label={`Variant ${i + 1} reward rules (optional)`}
            hint="A rule set as on the Rules page (JSON), to test an offer; empty: the program's rules. Without an approval setting its rewards approve automatically."
            error={rulesErrors[i]}
          >
            <textarea
              rows={3}
              class="mono"
              value={v.rules}
              onInput={(e) => change(i, { rules: e.currentTarget.value })}
            />
          </Field>
          {variants.length > 2 && (
            <button
              type="button"
              class="btn plain"
              onClick={() => {
                setVariants((vs) => vs.filter((_, j) => j !== i));
                setRulesErrors((es) => es.filter((_, j) => j !== i));
              }}
            >
              Remove variant {i + 1}
            </button>
          )}
        </fieldset>
      ))}
      <p>
        {variants.length < 10 && (
          <button
            type="button"
            class="btn plain"
            onClick={() => setVariants((vs) => [...vs, blankVariant(unusedKey(vs))])}
          >
            Add a variant
          </button>
        )}{" "}
        <Action variant="primary" run={start}>
          Start experiment
        </Action>
      </p>
    </Card>
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
