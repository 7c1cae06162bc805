import type { MeResponse } from "../types";
import { formatMoney, readRewards } from "./rewards";
import { format, type PanelStrings } from "./strings";

interface Props {
  data: MeResponse;
  locale: string;
  t: PanelStrings;
  /** A paused member is not nudged to share: no milestone to work toward, no "share your link" hint. */
  paused?: boolean;
}

/** Stats, rewards (only when the API sends them) and the member's referrals so far. */
export function ProgressSection({ data, locale, t, paused }: Props) {
  const rewards = readRewards(paused ? { ...data.rewards, next_milestone: null } : data.rewards);
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
          {rewards.money.map((row) => (
            <dl class="stats" key={row.currency}>
              {(
                [
                  [t.rewardPending, row.pending],
                  [t.rewardApproved, row.approved],
                  [t.rewardPaid, row.paid],
                ] as const
              ).map(([label, minor]) => (
                <div key={label}>
                  <dt>{label}</dt>
                  <dd>{formatMoney(minor, row.currency, locale)}</dd>
                </div>
              ))}
            </dl>
          ))}
          {rewards.freeMonths && <p>{format(t.freeMonths, rewards.freeMonths)}</p>}
          {rewards.discountPercent > 0 && <p>{format(t.discount, { percent: rewards.discountPercent })}</p>}
          {rewards.raffleEntries !== null && <p>{format(t.raffleEntries, { entries: rewards.raffleEntries })}</p>}
          {rewards.milestone && <Milestone {...rewards.milestone} t={t} />}
        </div>
      )}
      {data.referrals.length === 0 ? (
        !paused && <p class="muted">{t.noReferrals}</p>
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

function Milestone({
  label,
  current,
  target,
  t,
}: {
  label: string | null;
  current: number;
  target: number;
  t: PanelStrings;
}) {
  return (
    <div class="milestone">
      <p id="vouch-milestone-label">
        {label
          ? format(t.nextMilestone, { current, target, label })
          : format(t.nextMilestoneGeneric, { current, target })}
      </p>
      <div
        class="bar"
        role="progressbar"
        aria-labelledby="vouch-milestone-label"
        aria-valuemin={0}
        aria-valuemax={target}
        aria-valuenow={current}
      >
        <span
          ref={(bar) => {
            // CSSOM, not a style attribute: strict CSP pages refuse inline style attributes.
            bar?.style.setProperty("width", `${Math.round((current / target) * 100)}%`);
          }}
        />
      </div>
    </div>
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
