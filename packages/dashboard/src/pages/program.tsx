import { useState } from "preact/hooks";
import { api, ok, type Schemas } from "../api";
import { Action, Card, ErrorNotice, Field, Loading, Page, useLoad } from "../ui";
import { EmailSettings } from "./emails";

type Program = Schemas["Program"];
type Faq = { q: string; a: string };

/** The settings a vendor changes most, saved with one PATCH of what changed. */
export function ProgramSettings(props: { canWrite: boolean }) {
  const load = useLoad(() => ok(api.GET("/v1/program")), []);
  if (load.error) return <ErrorNotice error={load.error} />;
  if (!load.data) return <Loading />;
  return <ProgramForm program={load.data.program} canWrite={props.canWrite} onSaved={load.reload} />;
}

function ProgramForm(props: { program: Program; canWrite: boolean; onSaved: () => void }) {
  const p = props.program;
  const [name, setName] = useState(p.name);
  const [offer, setOffer] = useState(p.offer_text_override ?? "");
  const [color, setColor] = useState(p.brand_color);
  const [template, setTemplate] = useState(p.message_template);
  const [landing, setLanding] = useState(p.landing_url);
  const [origins, setOrigins] = useState(p.allowed_origins.join("\n"));
  const [model, setModel] = useState(p.attribution.model);
  const [windowDays, setWindowDays] = useState(String(p.attribution.window_days));
  const [faq, setFaq] = useState<Faq[]>((p.page_faq as Faq[] | null) ?? []);
  const [terms, setTerms] = useState(p.page_terms ?? "");
  const [logo, setLogo] = useState(p.logo_url ?? "");
  const [saved, setSaved] = useState(false);
  const link = `${p.landing_url.replace(/\/$/, "")}/?via=DANA7K2M`;
  const message = template
    .replaceAll("{program}", name)
    .replaceAll("{offer}", offer || p.offer_text)
    .replaceAll("{link}", link);
  const disabled = !props.canWrite;

  return (
    <Page title="Program" lead="What members see, where links land, and how referrals are attributed.">
      <div class="grid two">
        <form class="stack" onSubmit={(e) => e.preventDefault()} aria-label="Program settings">
          <Card title="Offer and look">
            <fieldset disabled={disabled} class="stack">
              <Field label="Program name">
                <input
                  value={name}
                  required
                  maxLength={120}
                  onInput={(e) => setName((e.target as HTMLInputElement).value)}
                />
              </Field>
              <Field
                label="Offer text"
                hint="Leave empty to use the words of your reward rules, so the offer never promises what the rules do not pay."
              >
                <input
                  value={offer}
                  maxLength={140}
                  placeholder={p.offer_text_override ? "" : p.offer_text}
                  onInput={(e) => setOffer((e.target as HTMLInputElement).value)}
                />
              </Field>
              <Field label="Brand colour">
                <span class="row">
                  <input
                    type="color"
                    aria-label="Pick the brand colour"
                    value={color}
                    onInput={(e) => setColor((e.target as HTMLInputElement).value)}
                  />
                  <input
                    value={color}
                    pattern="#[0-9a-fA-F]{6}"
                    aria-label="Brand colour (hex)"
                    onInput={(e) => setColor((e.target as HTMLInputElement).value)}
                  />
                </span>
              </Field>
              <Field label="Share message" hint="{program}, {offer} and {link} are filled in for each member.">
                <textarea
                  rows={4}
                  maxLength={2000}
                  value={template}
                  onInput={(e) => setTemplate((e.target as HTMLTextAreaElement).value)}
                />
              </Field>
            </fieldset>
          </Card>
          <Card title="Links and attribution">
            <fieldset disabled={disabled} class="stack">
              <Field label="Landing page" hint="Where referral links land; it must be on an allowed origin.">
                <input
                  type="url"
                  value={landing}
                  required
                  onInput={(e) => setLanding((e.target as HTMLInputElement).value)}
                />
              </Field>
              <Field
                label="Allowed origins"
                hint="One per line: the sites that may load the widget and tracker with your publishable key."
              >
                <textarea
                  rows={4}
                  value={origins}
                  onInput={(e) => setOrigins((e.target as HTMLTextAreaElement).value)}
                />
              </Field>
              <div class="form-grid">
                <Field label="Attribution">
                  <select
                    value={model}
                    onChange={(e) => setModel((e.target as HTMLSelectElement).value as "first" | "last")}
                  >
                    <option value="first">First click wins</option>
                    <option value="last">Last click wins</option>
                  </select>
                </Field>
                <Field label="Window (days)">
                  <input
                    type="number"
                    min={1}
                    max={730}
                    value={windowDays}
                    onInput={(e) => setWindowDays((e.target as HTMLInputElement).value)}
                  />
                </Field>
              </div>
            </fieldset>
          </Card>
          <Card title="Program page">
            <p class="muted">
              Your hosted page: <a href={p.page_url}>{p.page_url}</a>. Empty fields use Vouch's defaults.
            </p>
            <fieldset disabled={disabled} class="stack">
              <Field label="Logo URL" hint="https only.">
                <input type="url" value={logo} onInput={(e) => setLogo((e.target as HTMLInputElement).value)} />
              </Field>
              {faq.map((item, i) => (
                <div class="faq-edit" key={`faq-${i}`}>
                  <Field label={`Question ${i + 1}`}>
                    <input
                      value={item.q}
                      maxLength={200}
                      onInput={(e) =>
                        setFaq(faq.map((f, j) => (j === i ? { ...f, q: (e.target as HTMLInputElement).value } : f)))
                      }
                    />
                  </Field>
                  <Field label={`Answer ${i + 1}`}>
                    <textarea
                      rows={2}
                      maxLength={1000}
                      value={item.a}
                      onInput={(e) =>
                        setFaq(faq.map((f, j) => (j === i ? { ...f, a: (e.target as HTMLTextAreaElement).value } : f)))
                      }
                    />
                  </Field>
                  <button type="button" class="btn plain small" onClick={() => setFaq(faq.filter((_, j) => j !== i))}>
                    Remove question {i + 1}
                  </button>
                </div>
              ))}
              {faq.length < 10 && (
                <button type="button" class="btn plain small" onClick={() => setFaq([...faq, { q: "", a: "" }])}>
                  Add a question
                </button>
              )}
              <Field label="Terms">
                <textarea
                  rows={5}
                  maxLength={5000}
                  value={terms}
                  onInput={(e) => setTerms((e.target as HTMLTextAreaElement).value)}
                />
              </Field>
            </fieldset>
          </Card>
          {saved && (
            <div class="notice good" role="status">
              Saved.
            </div>
          )}
          {props.canWrite && (
            <Action
              variant="primary"
              run={async () => {
                setSaved(false);
                await ok(
                  api.PATCH("/v1/program", {
                    body: {
                      name,
                      offer_text_override: offer.trim() ? offer.trim() : null,
                      brand_color: color,
                      message_template: template,
                      landing_url: landing,
                      allowed_origins: origins
                        .split("\n")
                        .map((o) => o.trim())
                        .filter(Boolean),
                      attribution: { model, window_days: Number(windowDays) },
                      page_faq: faq.filter((f) => f.q.trim() && f.a.trim()).length
                        ? faq.filter((f) => f.q.trim() && f.a.trim())
                        : null,
                      page_terms: terms.trim() ? terms : null,
                      logo_url: logo.trim() ? logo.trim() : null,
                    },
                  }),
                );
                setSaved(true);
                props.onSaved();
              }}
            >
              Save changes
            </Action>
          )}
        </form>
        <Card title="Preview" class="sticky">
          <p class="muted small">The in-app callout and the message a member shares.</p>
          <div class="widget-preview" style={{ "--brand": /^#[0-9a-fA-F]{6}$/.test(color) ? color : "#4f46e5" }}>
            <div class="callout">
              <strong>Refer &amp; earn</strong>
              <span>{offer || p.offer_text}</span>
              <span class="callout-button">Share your link</span>
            </div>
            <div class="share">
              <div class="share-title">{name}</div>
              <p>{message}</p>
              <div class="share-link">{link}</div>
            </div>
          </div>
        </Card>
      </div>
      <EmailSettings canWrite={props.canWrite} />
    </Page>
  );
}
