import { useEffect, useRef, useState } from "preact/hooks";
import { safeHttpUrl } from "../dom";
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
  return (
    <div class="root">
      {/* biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: a pointer convenience; keyboard users have Esc and the close button */}
      <div class="backdrop" onClick={onClose} />
      <div
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="vouch-title"
        aria-describedby="vouch-offer"
        tabIndex={-1}
        ref={dialog}
        onKeyDown={onKeyDown}
      >
        <header>
          <div>
            <h2 id="vouch-title">{format(t.title, { program: data.program.name })}</h2>
            <p id="vouch-offer" class="offer">
              {data.program.offer_text}
            </p>
          </div>
          <button type="button" class="close" aria-label={t.close} onClick={onClose}>
            <span aria-hidden="true">×</span>
          </button>
        </header>
        <div class="body">
          {data.program.test_mode && <p class="notice test">{t.testMode}</p>}
          <section>
            <CopyField
              id="vouch-link"
              label={t.linkLabel}
              value={data.member.link}
              buttonLabel={t.copyLink}
              t={t}
              onCopied={() => recordShare("copy")}
            />
            <CopyField
              id="vouch-code"
              label={t.codeLabel}
              value={data.member.code}
              buttonLabel={t.copyCode}
              t={t}
              onCopied={() => recordShare("copy")}
            />
          </section>
          <ShareSection
            message={data.message}
            link={data.member.link}
            program={data.program.name}
            t={t}
            onShare={recordShare}
          />
          <PeerForm
            t={t}
            program={data.program.name}
            submit={(lead) => api.submitLead(token, lead)}
            onReferred={onReferred}
          />
          <ProgressSection data={data} locale={locale} t={t} />
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
