import type { ShareChannel } from "../types";

export type ShareButtonChannel = Extract<ShareChannel, "email" | "linkedin" | "x" | "whatsapp">;
export const SHARE_BUTTONS: readonly ShareButtonChannel[] = ["email", "linkedin", "x", "whatsapp"];

/** The member may edit the message; the link must survive the edit or the share earns nothing. */
export function messageWithLink(message: string, link: string): string {
  const text = message.trim();
  return text.includes(link) ? text : `${text} ${link}`.trim();
}

/** Where each share button goes. Everything user-written is percent-encoded into the URL. */
export function shareUrl(channel: ShareButtonChannel, message: string, link: string, subject: string): string {
  const text = encodeURIComponent(messageWithLink(message, link));
  switch (channel) {
    case "email":
      return `mailto:?subject=${encodeURIComponent(subject)}&body=${text}`;
    case "linkedin":
      // share-offsite takes only a URL; the feed composer keeps the member's own words.
      return `https://www.linkedin.com/feed/?shareActive=true&text=${text}`;
    case "x":
      return `https://x.com/intent/post?text=${text}`;
    case "whatsapp":
      return `https://wa.me/?text=${text}`;
  }
}

export const CHANNEL_LABELS: Record<ShareButtonChannel, string> = {
  email: "Email",
  linkedin: "LinkedIn",
  x: "X",
  whatsapp: "WhatsApp",
};
