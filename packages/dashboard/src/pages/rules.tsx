import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiFailure, api, money, ok } from "../api";
import { Action, Card, ErrorNotice, Field, Loading, Page, Status, useLoad } from "../ui";

/**
 * The rule editor: the rules as JSON (every shape the engine takes, with a template for each), checked by the API
 * as you type (`POST /v1/reward-rules/preview`, which also runs them through the engine on a scenario), and
 * published as a new version with `PUT /v1/reward-rules`.
 */
const TEMPLATES: Record<string, unknown> = {
  "Give $100, get $100": {
    id: "friend-reward",
    trigger: "converted",
    recipient: "friend",
    kind: "account_credit",
    amount: { type: "flat", value: 10000 },
    currency: "USD",
  },
  "Member: $100 held 14 days": {
    id: "member-reward",
    trigger: "converted",
    recipient: "member",
    kind: "cash",
    amount: { type: "flat", value: 10000 },
    currency: "USD",
    hold_days: 14,
  },
  "20 % of the first payment": {
    id: "percent",
    trigger: "converted",
    recipient: "member",
    kind: "cash",
    amount: { type: "percent", percent: 20 },
    hold_days: 30,
  },
  "By plan": {
    id: "by-plan",
    trigger: "converted",
    recipient: "member",
    kind: "gift_card",
    amount: { type: "by_plan", plans: { starter: 5000, growth: 10000 }, default: 2500 },
    currency: "USD",
  },
  "10 % of renewals, 12 months": {
    id: "renewals",
    trigger: "renewed",
    recipient: "member",
    kind: "cash",
    amount: { type: "percent", percent: 10 },
    max_months: 12,
  },
  "Bonus on the 3rd customer": {
    id: "third-customer-bonus",
    trigger: "converted",
    recipient: "member",
    kind: "cash",
    amount: { type: "flat", value: 25000 },
    currency: "USD",
    milestone: { at: 3 },
  },
  "More from the 5th customer": {
    id: "tier-5",
    trigger: "converted",
    recipient: "member",
    kind: "cash",
    amount: { type: "flat", value: 15000 },
    currency: "USD",
    tier: { from: 5 },
  },
  "A free month for a qualified lead": {
    id: "qualified-month",
    trigger: "qualified",
    recipient: "member",
    kind: "free_months",
    amount: { type: "flat", value: 1 },
    member_cap: { count: 12 },
  },
};

type Preview = {
  offer_text: string;
  people: {
    who: string;
    totals: Record<string, number>;
    rewards: { rule_id: string; kind: string; amount: number; currency: string | null; state: string }[];
  }[];
  discount_percent: number;
  raffle_entries: number;
};

type Problem = { path: string; message: string };

export function Rules(props: { canWrite: boolean }) {
  const current = useLoad(() => ok(api.GET("/v1/reward-rules")), []);
  const [text, setText] = useState<string | null>(null);
  const [scenario, setScenario] = useState({
    friends: 3,
    plan: "growth",
    value: "49",
    currency: "USD",
    renewals: 2,
    refunds: 0,
  });
  const [problems, setProblems] = useState<Problem[]>([]);
  const [syntax, setSyntax] = useState<string | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const rules = current.data?.rules;
  useEffect(() => {
    if (rules && text === null) {
      // The editable part of the current version: everything but its bookkeeping.
      const {
        program_id: _p,
        version: _v,
        created_at: _c,
        ...config
      } = rules as typeof rules & Record<string, unknown>;
      setText(JSON.stringify(rules.version === 0 ? { rules: [] } : config, null, 2));
    }
  }, [rules, text]);

  const parsed = useMemo(() => {
    if (text === null) return null;
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      return err as Error;
    }
  }, [text]);

  // Validate and preview as you type, a moment after the last key.
  useEffect(() => {
    if (parsed === null) return;
    if (parsed instanceof Error) {
      setSyntax(parsed.message);
      return;
    }
    setSyntax(null);
    const timer = setTimeout(async () => {
      try {
        const result = await ok(
          api.POST("/v1/reward-rules/preview", {
            body: {
              rules: parsed as never,
              scenario: {
                friends: scenario.friends,
                ...(scenario.plan ? { plan: scenario.plan } : {}),
                value_cents: Math.round(Number(scenario.value) * 100) || 0,
                currency: scenario.currency,
                renewals: scenario.renewals,
                refunds: scenario.refunds,
              },
            },
          }),
        );
        setProblems([]);
        setPreview(result as Preview);
      } catch (err) {
        if (err instanceof ApiFailure && err.code === "validation_failed") {
          setProblems(((err.details as Problem[]) ?? []).map((p) => ({ ...p, path: p.path.replace(/^rules\./, "") })));
        } else {
          setProblems([{ path: "", message: err instanceof Error ? err.message : String(err) }]);
        }
      }
    }, 350);
    return () => clearTimeout(timer);
  }, [parsed, scenario]);

  if (current.error) return <ErrorNotice error={current.error} />;
  if (!rules || text === null) return <Loading />;
  const valid = !syntax && problems.length === 0;

  return (
    <Page
      title="Reward rules"
      lead={`Version ${rules.version}. Publishing makes a new version; rewards already earned keep theirs.`}
    >
      <div class="grid two">
        <Card
          title="Rules"
          actions={
            props.canWrite && (
              <label class="inline">
                <span class="sr-only">Add a rule from a template</span>
                <select
                  value=""
                  onChange={(e) => {
                    const name = (e.target as HTMLSelectElement).value;
                    if (!name || parsed instanceof Error || !parsed) return;
                    const config = parsed as { rules?: unknown[] };
                    const next = { ...config, rules: [...(config.rules ?? []), TEMPLATES[name]] };
                    setText(JSON.stringify(next, null, 2));
                  }}
                >
                  <option value="">Add a rule…</option>
                  {Object.keys(TEMPLATES).map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
              </label>
            )
          }
        >
          <Field
            label="Rules (JSON)"
            hint="Amounts are in minor units: 10000 is $100.00. Percent rules pay a share of the deal value."
          >
            <textarea
              class="code-editor"
              spellcheck={false}
              rows={24}
              readOnly={!props.canWrite}
              aria-invalid={!valid}
              aria-describedby="rule-problems"
              value={text}
              onInput={(e) => {
                setSaved(null);
                setText((e.target as HTMLTextAreaElement).value);
              }}
            />
          </Field>
          <div id="rule-problems" aria-live="polite">
            {syntax && <div class="notice bad">Not valid JSON: {syntax}</div>}
            {problems.length > 0 && (
              <ul class="notice bad problems">
                {problems.map((p) => (
                  <li key={`${p.path}:${p.message}`}>
                    {p.path && <code>{p.path}</code>} {p.message}
                  </li>
                ))}
              </ul>
            )}
            {valid && preview && (
              <div class="notice good">Valid. Members will read: “{preview.offer_text || "no offer"}”</div>
            )}
          </div>
          {saved && (
            <div class="notice good" role="status">
              {saved}
            </div>
          )}
          {props.canWrite && (
            <Action
              variant="primary"
              disabled={!valid}
              run={async () => {
                const body = { ...(parsed as object), expected_version: rules.version };
                const result = await ok(api.PUT("/v1/reward-rules", { body: body as never }));
                setSaved(
                  result.created
                    ? `Published as version ${result.rules.version}.`
                    : "No change: these rules are already current.",
                );
                current.reload();
              }}
            >
              Publish rules
            </Action>
          )}
        </Card>
        <Card title="Simulator">
          <p class="muted">
            A member refers {scenario.friends} friends who pay {scenario.currency} {scenario.value} on{" "}
            {scenario.plan || "any plan"} and renew {scenario.renewals} times. What does each person earn?
          </p>
          <div class="form-grid">
            <Field label="Friends">
              <input
                type="number"
                min={1}
                max={50}
                value={scenario.friends}
                onInput={(e) =>
                  setScenario({ ...scenario, friends: Number((e.target as HTMLInputElement).value) || 1 })
                }
              />
            </Field>
            <Field label="Plan">
              <input
                value={scenario.plan}
                onInput={(e) => setScenario({ ...scenario, plan: (e.target as HTMLInputElement).value })}
              />
            </Field>
            <Field label="Each payment">
              <input
                inputMode="decimal"
                value={scenario.value}
                onInput={(e) => setScenario({ ...scenario, value: (e.target as HTMLInputElement).value })}
              />
            </Field>
            <Field label="Currency">
              <input
                value={scenario.currency}
                maxLength={3}
                onInput={(e) =>
                  setScenario({ ...scenario, currency: (e.target as HTMLInputElement).value.toUpperCase() })
                }
              />
            </Field>
            <Field label="Renewals each">
              <input
                type="number"
                min={0}
                max={36}
                value={scenario.renewals}
                onInput={(e) =>
                  setScenario({ ...scenario, renewals: Number((e.target as HTMLInputElement).value) || 0 })
                }
              />
            </Field>
            <Field label="Refunded friends">
              <input
                type="number"
                min={0}
                max={50}
                value={scenario.refunds}
                onInput={(e) =>
                  setScenario({ ...scenario, refunds: Number((e.target as HTMLInputElement).value) || 0 })
                }
              />
            </Field>
          </div>
          {preview && valid && (
            <table class="table" aria-label="What each person earns">
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col">Earns</th>
                  <th scope="col">Rewards</th>
                </tr>
              </thead>
              <tbody>
                {preview.people.map((p) => (
                  <tr key={p.who}>
                    <th scope="row">{p.who.replace("-", " ")}</th>
                    <td>
                      <strong>
                        {Object.entries(p.totals)
                          .map(([c, v]) => money(v, c))
                          .join(" · ") || "—"}
                      </strong>
                    </td>
                    <td>
                      {p.rewards.map((w, i) => (
                        <div key={`${w.rule_id}-${i}`} class="small">
                          {w.currency ? money(w.amount, w.currency) : `${w.amount} ${w.kind.replace(/_/g, " ")}`} ·{" "}
                          {w.rule_id} <Status value={w.state} />
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
                {preview.people.length === 0 && (
                  <tr>
                    <td colSpan={3}>Nobody earns anything with these rules.</td>
                  </tr>
                )}
              </tbody>
            </table>
          )}
          {preview && preview.discount_percent > 0 && (
            <p>The member's stacking discount: {preview.discount_percent} %.</p>
          )}
        </Card>
      </div>
    </Page>
  );
}
