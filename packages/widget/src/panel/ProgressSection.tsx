import type { MeResponse } from "../types";
import { formatMoney, readRewards } from "./rewards";
import { format, type PanelStrings } from "./strings";

interface Props {
  data: MeResponse;
  locale: string;
  t: PanelStrings;
}

/** Stats, rewards (only when the API sends them) and the member's referrals so far. */
export function ProgressSection({ data, locale, t }: Props) {
  const rewards = readRewards(data.rewards);
  const statuses = t as unknown as Record<string, string | undefined>;
  const stats: [string, number][] = [
    [t.statVisits, data.stats.visits],
    [t.statLeads, data.stats.leads],
    [t.statConverted, data.stats.converted],
  ];
  const dateFormat = safeDateFormat(locale);
  return (
    <section aria-labelledby="vouch-progress-heading">
      <h3 id="vouch-progress-heading">{t.progressHeading}</h3>
      <dl class="stats">
        {stats.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {rewards && (
        <div class="rewards" data-testid="rewards">
          <h4>{t.rewardsHeading}</h4>
          <dl class="stats">
            {(
              [
                [t.rewardPending, rewards.pending_cents],
                [t.rewardEarned, rewards.earned_cents],
                [t.rewardPaid, rewards.paid_cents],
              ] as const
            ).map(([label, cents]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd>{formatMoney(cents, rewards.currency, locale)}</dd>
              </div>
            ))}
          </dl>
          {rewards.next_milestone && (
            <div class="milestone">
              <p id="vouch-milestone-label">
                {format(t.nextMilestone, {
                  current: rewards.next_milestone.current,
                  target: rewards.next_milestone.target,
                  label: rewards.next_milestone.label,
                })}
              </p>
              <div
                class="bar"
                role="progressbar"
                aria-labelledby="vouch-milestone-label"
                aria-valuemin={0}
                aria-valuemax={rewards.next_milestone.target}
                aria-valuenow={rewards.next_milestone.current}
              >
                <span
                  ref={(bar) => {
                    // CSSOM, not a style attribute: strict CSP pages refuse inline style attributes.
                    const m = rewards.next_milestone;
                    bar?.style.setProperty("width", `${m ? Math.round((m.current / m.target) * 100) : 0}%`);
                  }}
                />
              </div>
            </div>
          )}
        </div>
      )}
      {data.referrals.length === 0 ? (
        <p class="muted">{t.noReferrals}</p>
      ) : (
        <ul class="referrals">
          {data.referrals.map((r) => (
            <li key={r.id}>
              <span class="who">
                <span class="name">{r.name ?? "—"}</span>
                {r.company && <span class="muted">{r.company}</span>}
              </span>
              <span class={`status status-${r.status}`}>{statuses[`status_${r.status}`] ?? r.status}</span>
              <span class="muted date">{dateFormat(r.created_at)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function safeDateFormat(locale: string): (iso: string) => string {
  let formatter: Intl.DateTimeFormat | undefined;
  try {
    formatter = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric" });
  } catch {
    formatter = undefined;
  }
  return (iso) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) || !formatter ? "" : formatter.format(date);
  };
}
