// Sign in, the panel list and the panel page; the route lives in the URL hash
// (#/panels/<id>?view=<id>) so the API serves one static page.

import { useEffect, useState } from "preact/hooks";
import {
  ApiError,
  call,
  signIn,
  UNAUTHORIZED,
  withToken,
  type Page,
  type Panel,
  type Session,
} from "./api";
import { lowerFirst, schedule } from "./format";
import { PanelPage } from "./PanelPage";

const STORE = "panels.session";

interface Route {
  panelId: string | null;
  viewId: string | null;
}

function parseRoute(): Route {
  const match = /^#\/panels\/([0-9a-f-]{36})(?:\?view=([0-9a-f-]{36}))?$/.exec(location.hash);
  return { panelId: match?.[1] ?? null, viewId: match?.[2] ?? null };
}

function go(route: Route) {
  location.hash = route.panelId
    ? `#/panels/${route.panelId}${route.viewId ? `?view=${route.viewId}` : ""}`
    : "#/";
}

function SignIn({ onSession, reason }: { onSession: (s: Session) => void; reason: string | null }) {
  const [tenant, setTenant] = useState("demo");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(reason);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event, how: () => Promise<Session>, refused: string) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSession(await how());
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? refused : String(e instanceof Error ? e.message : e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <h1>Panels</h1>
      <form onSubmit={(e) => submit(e, () => signIn(tenant.trim(), email.trim(), password), "Wrong organisation, e-mail or password.")} aria-label="Sign in">
        <label>
          Organisation
          <input name="tenant" value={tenant} required autoComplete="organization" onInput={(e) => setTenant(e.currentTarget.value)} />
        </label>
        <label>
          E-mail
          <input name="email" type="email" value={email} required autoComplete="username" onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" value={password} required autoComplete="current-password" onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <details>
        <summary>Sign in with a token</summary>
        <form onSubmit={(e) => submit(e, () => withToken(token.trim()), "That token is not valid (expired or revoked?).")} aria-label="Sign in with a token">
          <label>
            API token or JWT
            <input name="token" value={token} required onInput={(e) => setToken(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={busy}>
            Use token
          </button>
        </form>
      </details>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </main>
  );
}

function PanelList({ panels, active }: { panels: Panel[]; active: string | null }) {
  return (
    <nav class="sidebar" aria-label="Panels">
      <h2>Panels</h2>
      <ul>
        {panels.map((p) => (
          <li key={p.id}>
            <a href={`#/panels/${p.id}`} aria-current={p.id === active ? "page" : undefined}>
              {p.name}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(() => {
    const saved = sessionStorage.getItem(STORE);
    return saved ? (JSON.parse(saved) as Session) : null;
  });
  const [route, setRoute] = useState<Route>(parseRoute);
  const [panels, setPanels] = useState<Panel[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const [reason, setReason] = useState<string | null>(null);

  function signOut(why: string | null = null) {
    sessionStorage.removeItem(STORE);
    setSession(null);
    setPanels(null);
    setReason(why);
  }

  useEffect(() => {
    const onHash = () => setRoute(parseRoute());
    const onUnauthorized = () => signOut("Your session ended (expired, or the account was disabled). Sign in again.");
    window.addEventListener("hashchange", onHash);
    window.addEventListener(UNAUTHORIZED, onUnauthorized);
    return () => {
      window.removeEventListener("hashchange", onHash);
      window.removeEventListener(UNAUTHORIZED, onUnauthorized);
    };
  }, []);

  useEffect(() => {
    if (!session) return;
    sessionStorage.setItem(STORE, JSON.stringify(session));
    call<Page<Panel>>(session.token, "/panels?limit=500")
      .then((page) => setPanels(page.data))
      .catch((e) => {
        if (!(e instanceof ApiError && e.status === 401)) setError(String(e));
      });
  }, [session]);

  if (!session) return <SignIn onSession={setSession} reason={reason} />;
  return (
    <div class="layout">
      <header class="top">
        <a href="#/" class="brand">
          Panels
        </a>
        <span class="muted">
          {session.tenant} · {session.role}
        </span>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <PanelList panels={panels ?? []} active={route.panelId} />
      <main class="content">
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        {route.panelId ? (
          <PanelPage
            key={route.panelId}
            session={session}
            panelId={route.panelId}
            viewId={route.viewId}
            onView={(viewId) => go({ panelId: route.panelId, viewId })}
          />
        ) : panels === null ? (
          <p class="muted">Loading…</p>
        ) : (
          <section aria-labelledby="list-title">
            <h1 id="list-title">Panels</h1>
            {panels.length === 0 && <p class="muted">No panels yet.</p>}
            <ul class="cards">
              {panels.map((p) => (
                <li key={p.id}>
                  <a href={`#/panels/${p.id}`}>
                    <strong>{p.name}</strong>
                    <span class="muted">{p.description || p.slug}</span>
                    <span class="muted">
                      {p.current_version_id ? "synced" : "not synced yet"}
                      {p.refresh_cron ? ` · refreshes ${lowerFirst(schedule(p.refresh_cron, p.timezone))}` : ""}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </section>
        )}
      </main>
    </div>
  );
}
