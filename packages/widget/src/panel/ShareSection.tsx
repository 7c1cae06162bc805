import { useState } from "preact/hooks";
import type { ShareChannel } from "../types";
import { CHANNEL_LABELS, SHARE_BUTTONS, shareUrl } from "./share-links";
import { format, type PanelStrings } from "./strings";

interface Props {
  message: string;
  link: string;
  program: string;
  t: PanelStrings;
  onShare(channel: ShareChannel): void;
}

/** The pre-drafted message, editable, and one button per channel. Links, not scripts: they work without JS popups. */
export function ShareSection({ message, link, program, t, onShare }: Props) {
  const [text, setText] = useState(message);
  const subject = format(t.emailSubject, { program });
  return (
    <section aria-labelledby="vouch-share-heading">
      <h3 id="vouch-share-heading">{t.shareHeading}</h3>
      <div class="field">
        <label for="vouch-message">{t.messageLabel}</label>
        <textarea id="vouch-message" rows={4} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      <div class="share-buttons">
        {SHARE_BUTTONS.map((channel) => {
          const external = channel !== "email";
          return (
            <a
              key={channel}
              class={`share share-${channel}`}
              data-channel={channel}
              href={shareUrl(channel, text, link, subject)}
              target={external ? "_blank" : undefined}
              rel={external ? "noopener noreferrer" : undefined}
              onClick={() => onShare(channel)}
            >
              {channel === "email" ? t.shareEmail : CHANNEL_LABELS[channel]}
              {external && <span class="sr-only"> {t.newTab}</span>}
            </a>
          );
        })}
      </div>
    </section>
  );
}
