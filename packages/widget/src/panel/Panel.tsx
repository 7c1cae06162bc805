import { useEffect, useRef, useState } from "preact/hooks";
import { safeHttpUrl } from "../dom";
import { isPaused } from "../paused";
import type { PanelMountOptions, ReferralSummary, ShareChannel } from "../types";
import { CopyField } from "./CopyField";
import { PeerForm } from "./PeerForm";
import { ProgressSection } from "./ProgressSection";
import { ShareSection } from "./ShareSection";
import { format, panelStrings } from "./strings";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The share panel: a modal dialog with its own focus trap, Esc to close, focus returned by the loader. */
export function Panel({
  data: initial,
  api,
  locale,
  strings,
  onClose,
  onDataChange,
}: Omit<PanelMountOptions, "adoptStyles">) {
  const t = panelStrings(locale, strings);
  const [data, setData] = useState(initial);
  const dialog = useRef<HTMLDivElement>(null);
  const token = data.member_token;

  useEffect(() => {
    dialog.current?.focus();
  }, []);

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === "Escape") {
      e.stopPropagation();
      onClose();
      return;
    }
    const root = dialog.current;
    if (e.key !== "Tab" || !root) return;
    const items = Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE));
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    const active = (root.getRootNode() as ShadowRoot).activeElement;
    if (e.shiftKey && (active === first || active === root)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && active === last) {
      e.preventDefault();
      first.focus();
    }
  }

  const recordShare = (channel: ShareChannel) => void api.recordShare(token, channel);

  function onReferred(referral: ReferralSummary) {
    const next = {
      ...data,
      referrals: [referral, ...data.referrals],
      stats: { ...data.stats, leads: data.stats.leads + 1 },
    };
    setData(next);
    onDataChange(next);
  }

  const programPage = safeHttpUrl(data.program.program_page_url);
  const program = data.program.name;
  // A suspended member sees why and their referrals so far: no link, no sharing, no peer form.
  const paused = isPaused(data);
  const warnings = Array.isArray(data.program.warnings) ? data.program.warnings : [];
  const noRules = data.program.test_mode && warnings.some((w) => w?.code === "no_reward_rules");
  // A program without rules (and without its own text) has no offer: no empty line, nothing to describe by.
  const offer = paused ? format(t.paused, { program }) : data.program.offer_text;
  return (
    <div class="root">
      {/* biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: a pointer convenience; keyboard users have Esc and the close button */}
      <div class="backdrop" onClick={onClose} />
      <div
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="vouch-title"
        aria-describedby={offer ? "vouch-offer" : undefined}
        tabIndex={-1}
        ref={dialog}
        onKeyDown={onKeyDown}
      >
        <header>
          <div>
            <h2 id="vouch-title">{format(paused ? t.pausedTitle : t.title, { program })}</h2>
            {offer && (
              <p id="vouch-offer" class="offer">
                {offer}
              </p>
            )}
          </div>
          <button type="button" class="close" aria-label={t.close} onClick={onClose}>
            <span aria-hidden="true">×</span>
          </button>
        </header>
        <div class="body">
          {/* The owner's own test: say plainly that these referrals would earn nothing yet. */}
          {data.program.test_mode && (
            <p class={noRules ? "notice test warn" : "notice test"}>{noRules ? t.noRules : t.testMode}</p>
          )}
          {!paused && (
            <>
              <section>
                {[
                  { id: "vouch-link", label: t.linkLabel, value: data.member.link, buttonLabel: t.copyLink },
                  { id: "vouch-code", label: t.codeLabel, value: data.member.code, buttonLabel: t.copyCode },
                ].map((field) => (
                  <CopyField key={field.id} {...field} t={t} onCopied={() => recordShare("copy")} />
                ))}
              </section>
              <ShareSection
                message={data.message}
                link={data.member.link}
                program={program}
                t={t}
                onShare={recordShare}
              />
              <PeerForm
                t={t}
                program={program}
                submit={(lead) => api.submitLead(token, lead)}
                onReferred={onReferred}
              />
            </>
          )}
          <ProgressSection data={data} locale={locale} t={t} paused={paused} />
        </div>
        {programPage && (
          <footer>
            <a href={programPage} target="_blank" rel="noopener noreferrer">
              {t.programLink}
              <span class="sr-only"> {t.newTab}</span>
            </a>
          </footer>
        )}
      </div>
    </div>
  );
}
