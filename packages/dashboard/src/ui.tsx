import type { ComponentChildren, JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiFailure } from "./api";

export function Page(props: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  lead?: string;
}) {
  useEffect(() => {
    document.title = `${props.title} · Vouch`;
  }, [props.title]);
  return (
    <>
      <header class="page-head">
        <div>
          <h1>{props.title}</h1>
          {props.lead && <p class="lead">{props.lead}</p>}
        </div>
        {props.actions && <div class="actions">{props.actions}</div>}
      </header>
      {props.children}
    </>
  );
}

export function Card(props: {
  title?: string;
  children: ComponentChildren;
  class?: string;
  actions?: ComponentChildren;
}) {
  return (
    <section class={`card ${props.class ?? ""}`} aria-label={props.title}>
      {(props.title || props.actions) && (
        <div class="card-head">
          {props.title && <h2>{props.title}</h2>}
          {props.actions}
        </div>
      )}
      {props.children}
    </section>
  );
}

export function Kpi(props: { label: string; value: string; hint?: string }) {
  return (
    <div class="kpi">
      <div class="kpi-label">{props.label}</div>
      <div class="kpi-value">{props.value}</div>
      {props.hint && <div class="kpi-hint">{props.hint}</div>}
    </div>
  );
}

export function Badge(props: { tone?: "good" | "warn" | "bad" | "info" | "muted"; children: ComponentChildren }) {
  return <span class={`badge ${props.tone ?? "muted"}`}>{props.children}</span>;
}

const TONES: Record<string, "good" | "warn" | "bad" | "info" | "muted"> = {
  converted: "good",
  renewed: "good",
  paid: "good",
  approved: "info",
  qualified: "info",
  lead: "muted",
  pending: "warn",
  in_review: "warn",
  open: "warn",
  lost: "bad",
  refunded: "bad",
  voided: "bad",
  suspended: "bad",
  active: "good",
  rejected: "bad",
  delivered: "good",
  failed: "bad",
  blocked: "bad",
};

export function Status(props: { value: string }) {
  return <Badge tone={TONES[props.value] ?? "muted"}>{props.value.replace(/_/g, " ")}</Badge>;
}

export function ErrorNotice(props: { error: unknown }) {
  if (!props.error) return null;
  const e = props.error;
  const message = e instanceof ApiFailure ? e.message : e instanceof Error ? e.message : String(e);
  const code = e instanceof ApiFailure ? e.code : null;
  return (
    <div class="notice bad" role="alert">
      {message}
      {code && <code class="code">{code}</code>}
    </div>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

export function Loading() {
  return (
    <p class="loading" aria-live="polite">
      Loading…
    </p>
  );
}

/** The value once it has stopped changing for `ms` (a search box's term, not every keystroke). */
export function useDebounced<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Loads data for a view; `reload()` after a change. Errors become state, never an unhandled rejection. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === seq.current && setState({ data, loading: false }),
      (error) => mine === seq.current && setState({ error, loading: false }),
    );
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** A button that runs an async action, shows it is busy, and reports a failure next to it. */
export function Action(
  props: {
    run: () => Promise<unknown>;
    children: ComponentChildren;
    variant?: "primary" | "danger" | "plain";
    disabled?: boolean;
  } & Omit<JSX.HTMLAttributes<HTMLButtonElement>, "onClick">,
) {
  const { run, children, variant, disabled, ...rest } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <span class="action">
      <button
        type="button"
        {...rest}
        class={`btn ${variant ?? "plain"}`}
        disabled={busy || disabled}
        aria-busy={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            await run();
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        {children}
      </button>
      {error ? <ErrorNotice error={error} /> : null}
    </span>
  );
}

/** A modal dialog (the native <dialog>: focus is trapped and Escape closes it). */
export function Dialog(props: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-label={props.title} onClose={props.onClose} class="dialog">
      <h2>{props.title}</h2>
      {props.open && props.children}
    </dialog>
  );
}

export function Field(props: { label: string; hint?: string; children: ComponentChildren; error?: string | null }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child (an input, select or textarea), which the label wraps.
    <label class="field">
      <span class="field-label">{props.label}</span>
      {props.children}
      {props.hint && <span class="field-hint">{props.hint}</span>}
      {props.error && (
        <span class="field-error" role="alert">
          {props.error}
        </span>
      )}
    </label>
  );
}

/** Copies text and says so for a moment. */
export function Copy(props: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="btn plain small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(props.text);
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        } catch {
          setDone(false);
        }
      }}
    >
      {done ? "Copied" : (props.label ?? "Copy")}
    </button>
  );
}

interface Paged<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * A list read page by page: the first page from `load(null)` whenever `deps` change, later ones appended by
 * `more()`. Later pages belong to the answer they continue, so a new search starts again from its first page.
 */
export function usePagedList<T>(load: (cursor: string | null) => Promise<Paged<T>>, deps: unknown[]) {
  const first = useLoad(() => load(null), deps);
  const [extra, setExtra] = useState<{ of: unknown; rows: T[]; cursor: string | null }>({
    of: null,
    rows: [],
    cursor: null,
  });
  const current = extra.of === first.data ? extra : { rows: [] as T[], cursor: first.data?.next_cursor ?? null };
  return {
    ...first,
    rows: [...(first.data?.data ?? []), ...current.rows],
    more: current.cursor
      ? async () => {
          const page = await load(current.cursor);
          setExtra({ of: first.data, rows: [...current.rows, ...page.data], cursor: page.next_cursor });
        }
      : null,
  };
}

/** The "Load more" button of a paged list (nothing when there is no next page). */
export function LoadMore(props: { more: (() => Promise<void>) | null }) {
  return props.more ? <Action run={props.more}>Load more</Action> : null;
}

/** A row of tabs (a tablist of buttons) choosing one of `tabs`, each `[value, label]`. */
export function Tabs<T extends string>(props: {
  label: string;
  tabs: readonly (readonly [T, string, ...unknown[]])[];
  current: T;
  onSelect: (value: T) => void;
}) {
  return (
    <div class="tabs" role="tablist" aria-label={props.label}>
      {props.tabs.map(([value, label]) => (
        <button
          key={value}
          type="button"
          role="tab"
          aria-selected={props.current === value}
          class={props.current === value ? "tab active" : "tab"}
          onClick={() => props.onSelect(value)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
