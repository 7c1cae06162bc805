import { useEffect, useRef, useState } from "preact/hooks";
import { copyText } from "./copy";
import type { PanelStrings } from "./strings";

interface Props {
  id: string;
  label: string;
  value: string;
  buttonLabel: string;
  t: PanelStrings;
  onCopied(): void;
}

/** A read-only value with a copy button whose text turns into "Copied" (and is announced) for a moment. */
export function CopyField({ id, label, value, buttonLabel, t, onCopied }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);

  async function copy() {
    const ok = await copyText(value, input.current);
    setState(ok ? "copied" : "failed");
    if (ok) onCopied();
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState("idle"), 2500);
  }

  return (
    <div class="field">
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input id={id} ref={input} class="mono" readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class={state === "copied" ? "secondary done" : "secondary"} onClick={copy}>
          {state === "copied" ? `✓ ${t.copied}` : buttonLabel}
        </button>
      </div>
      <p class={state === "failed" ? "hint" : "sr-only"} role="status">
        {state === "copied" ? t.copiedAnnouncement : state === "failed" ? t.copyFailed : ""}
      </p>
    </div>
  );
}
