import { useState } from "preact/hooks";
import { ApiFailure, api, ok, session } from "../api";
import { ErrorNotice, Field } from "../ui";

export function Login(props: { onSignedIn: (s: unknown) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <main class="login">
      <form
        class="card"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            const s = await ok(api.POST("/v1/admin/session", { body: { email, password } }));
            session.csrf = s.csrf_token;
            props.onSignedIn(s);
          } catch (err) {
            setError(
              err instanceof ApiFailure && err.code === "invalid_credentials"
                ? new Error("That email and password do not match an admin.")
                : err,
            );
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>
          <span class="logo" aria-hidden="true">
            ✓
          </span>{" "}
          Sign in to Vouch
        </h1>
        <Field label="Email">
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
          />
        </Field>
        <Field label="Password">
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
        </Field>
        <ErrorNotice error={error} />
        <button type="submit" class="btn primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p class="fine">
          No account? An owner adds admins, or run <code>pnpm vouch create-admin</code>.
        </p>
      </form>
    </main>
  );
}
