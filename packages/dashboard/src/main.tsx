import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiFailure, api, ok, onSessionEnd, type Schemas, session } from "./api";
import { ExperimentDetail, Experiments } from "./pages/experiments";
import { Install } from "./pages/install";
import { Integrations } from "./pages/integrations";
import { Login } from "./pages/login";
import { MemberDetail, Members } from "./pages/members";
import { Overview } from "./pages/overview";
import { Payouts } from "./pages/payouts";
import { ProgramSettings } from "./pages/program";
import { ReferralDetail, Referrals } from "./pages/referrals";
import { Reviews } from "./pages/reviews";
import { Rewards } from "./pages/rewards";
import { Rules } from "./pages/rules";
import { Webhooks } from "./pages/webhooks";
import { navigate, onLinkClick, useRoute } from "./router";
import { ErrorNotice, Loading } from "./ui";
import "./styles.css";

type SessionView = {
  admin: { id: string; email: string; name: string; role: "owner" | "admin" | "viewer" };
  csrf_token: string;
  programs: { id: string; name: string; slug: string; test_mode: boolean }[];
};

const NAV = [
  ["", "Overview"],
  ["referrals", "Referrals"],
  ["members", "Members"],
  ["rewards", "Rewards"],
  ["payouts", "Payouts"],
  ["rules", "Reward rules"],
  ["experiments", "Experiments"],
  ["reviews", "Fraud reviews"],
  ["webhooks", "Webhooks"],
  ["integrations", "Integrations"],
  ["program", "Program"],
  ["install", "Install & keys"],
] as const;

const PROGRAM_KEY = "vouch.program";

function App() {
  const [state, setState] = useState<{ session?: SessionView; checked: boolean }>({ checked: false });
  const route = useRoute();
  const [signOutError, setSignOutError] = useState<unknown>(null);

  const adopt = (s: SessionView | undefined) => {
    if (s) {
      session.csrf = s.csrf_token;
      const saved = localStorage.getItem(PROGRAM_KEY);
      session.program = s.programs.find((p) => p.id === saved)?.id ?? s.programs[0]?.id ?? "";
    } else {
      session.csrf = "";
      session.program = "";
    }
    setState({ session: s, checked: true });
  };

  useEffect(() => {
    onSessionEnd(() => adopt(undefined));
    ok(api.GET("/v1/admin/session")).then(
      (s) => adopt(s as SessionView),
      async (err: unknown) => {
        // Behind Cloudflare Access, the person is already known: exchange Access's token for a session.
        const access = err instanceof ApiFailure && (err.details as { access?: boolean } | undefined)?.access;
        const viaAccess = access
          ? await ok(api.POST("/v1/admin/session/access", {})).catch(() => undefined)
          : undefined;
        adopt(viaAccess as SessionView | undefined);
      },
    );
  }, []);

  if (!state.checked) return <Loading />;
  if (!state.session) return <Login onSignedIn={(s) => adopt(s as SessionView)} />;
  const s = state.session;
  if (s.programs.length === 0) {
    return (
      <main class="center">
        <h1>No program yet</h1>
        <p>
          Your workspace has no program. Create one with <code>pnpm vouch create-program</code> and add it with{" "}
          <code>pnpm vouch create-admin --workspace … --program …</code>.
        </p>
      </main>
    );
  }
  const [page = "", id] = route;
  const program = s.programs.find((p) => p.id === session.program);
  const canWrite = s.admin.role !== "viewer";

  let view = null;
  switch (page) {
    case "":
      view = <Overview />;
      break;
    case "referrals":
      view = id ? <ReferralDetail id={id} canWrite={canWrite} /> : <Referrals />;
      break;
    case "members":
      view = id ? <MemberDetail id={id} canWrite={canWrite} /> : <Members />;
      break;
    case "rewards":
      view = <Rewards canWrite={canWrite} />;
      break;
    case "payouts":
      view = <Payouts canWrite={canWrite} />;
      break;
    case "rules":
      view = <Rules canWrite={canWrite} />;
      break;
    case "experiments":
      view = id ? <ExperimentDetail id={id} canWrite={canWrite} /> : <Experiments canWrite={canWrite} />;
      break;
    case "reviews":
      view = <Reviews canWrite={canWrite} />;
      break;
    case "webhooks":
      view = <Webhooks canManage={s.admin.role === "owner"} />;
      break;
    case "integrations":
      view = <Integrations canManage={s.admin.role === "owner"} />;
      break;
    case "program":
      view = <ProgramSettings canWrite={canWrite} />;
      break;
    case "install":
      view = <Install role={s.admin.role} />;
      break;
    default:
      view = (
        <p>
          No page here. <a href="/admin/">Back to the overview</a>
        </p>
      );
  }

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: delegates plain link clicks to the router; links stay links.
    // biome-ignore lint/a11y/useKeyWithClickEvents: keyboard activation of a link fires click too.
    <div class="shell" onClick={onLinkClick}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <nav class="side" aria-label="Dashboard">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            ✓
          </span>{" "}
          Vouch
        </div>
        <label class="program-pick">
          <span class="sr-only">Program</span>
          <select
            value={session.program}
            onChange={(e) => {
              session.program = (e.target as HTMLSelectElement).value;
              localStorage.setItem(PROGRAM_KEY, session.program);
              setState({ ...state });
              navigate("");
            }}
          >
            {s.programs.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
                {p.test_mode ? " (test)" : ""}
              </option>
            ))}
          </select>
        </label>
        <ul>
          {NAV.map(([path, label]) => (
            <li key={path}>
              <a href={`/admin/${path}`} aria-current={page === path ? "page" : undefined}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="body">
        <header class="top">
          {signOutError ? <ErrorNotice error={signOutError} /> : null}
          {program?.test_mode && <span class="badge warn">Test mode</span>}
          <span class="who">
            {s.admin.email} · {s.admin.role}
          </span>
          <button
            type="button"
            class="btn plain small"
            onClick={async () => {
              try {
                await ok(api.DELETE("/v1/admin/session"));
              } catch (err) {
                // Only a session that has already ended counts as signed out; anything else keeps it, and says so.
                const ended =
                  err instanceof ApiFailure && (err.code === "session_expired" || err.code === "unauthorized");
                if (!ended) {
                  setSignOutError(err);
                  return;
                }
              }
              adopt(undefined);
              navigate("");
            }}
          >
            Sign out
          </button>
        </header>
        <main id="main" key={`${session.program}/${page}/${id ?? ""}`}>
          {view}
        </main>
      </div>
    </div>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);

export type { Schemas };
