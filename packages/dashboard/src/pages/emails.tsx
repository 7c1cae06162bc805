import { useState } from "preact/hooks";
import { api, ok } from "../api";
import type { paths } from "../api-schema";
import { Action, Card, ErrorNotice, Loading, useLoad } from "../ui";

/** The kinds, as the API document names them (src/emails/render.ts EMAIL_KINDS). */
type Settings =
  paths["/v1/program/email-settings"]["get"]["responses"][200]["content"]["application/json"]["email_settings"];
type Kind = keyof Settings;

const KINDS: { kind: Kind; label: string; hint: string }[] = [
  { kind: "welcome", label: "Welcome", hint: "When a member joins: their link and code." },
  { kind: "friend_signed_up", label: "A friend signed up", hint: "A referral arrived for the member." },
  { kind: "friend_converted", label: "A friend became a customer", hint: "Once per referral." },
  { kind: "reward_approved", label: "Reward approved", hint: "With its amount." },
  { kind: "reward_paid", label: "Reward paid", hint: "When the reward is marked paid." },
  {
    kind: "monthly_summary",
    label: "Monthly summary",
    hint: "On the 1st: referrals and their status, rewards, progress, leaderboard rank, share links.",
  },
  {
    kind: "moment_invite",
    label: "Invitation after a moment",
    hint: "When your server reports a moment whose setting says email (a renewal, a solved support case).",
  },
];

/** Which member emails the program sends (`/v1/program/email-settings`), on the Program page. */
export function EmailSettings(props: { canWrite: boolean }) {
  const load = useLoad(() => ok(api.GET("/v1/program/email-settings")), []);
  if (load.error) return <ErrorNotice error={load.error} />;
  if (!load.data) return <Loading />;
  return <EmailSettingsForm settings={load.data.email_settings} canWrite={props.canWrite} />;
}

function EmailSettingsForm(props: { settings: Settings; canWrite: boolean }) {
  const [settings, setSettings] = useState(props.settings);
  const [note, setNote] = useState<string | null>(null);
  return (
    <Card title="Member emails">
      <p class="muted">
        Emails Vouch sends your members, each with a one-click unsubscribe; members can also choose in their portal.
      </p>
      <fieldset class="events" disabled={!props.canWrite}>
        <legend>Send these emails</legend>
        {KINDS.map((k) => (
          <label key={k.kind}>
            <input
              type="checkbox"
              checked={settings[k.kind]}
              onChange={(e) => setSettings({ ...settings, [k.kind]: (e.target as HTMLInputElement).checked })}
            />{" "}
            {k.label} <span class="muted small">{k.hint}</span>
          </label>
        ))}
      </fieldset>
      {note && (
        <div class="notice good" role="status">
          {note}
        </div>
      )}
      {props.canWrite && (
        <div class="row">
          <Action
            variant="primary"
            run={async () => {
              setNote(null);
              const r = await ok(api.PATCH("/v1/program/email-settings", { body: settings }));
              setSettings(r.email_settings);
              setNote("Email settings saved.");
            }}
          >
            Save email settings
          </Action>
          <Action
            run={async () => {
              setNote(null);
              const r = await ok(api.POST("/v1/emails/monthly-summary"));
              setNote(
                `Monthly summary for ${r.month}: ${r.written} ${r.written === 1 ? "email" : "emails"} written${r.more ? " (more to come: press again)" : ""}.`,
              );
            }}
          >
            Send this month's summary now
          </Action>
        </div>
      )}
    </Card>
  );
}
