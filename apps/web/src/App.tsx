import { lazy, Suspense, useEffect, useState } from 'react';
import { auth } from './api';
import { Link, navigate, useLocation } from './router';
import { applyTheme, storedTheme, type Theme } from './theme';
import { SignIn } from './pages/SignIn';
import { Monitors } from './pages/Monitors';
import { MonitorEditor } from './pages/MonitorEditor';
import { Channels } from './pages/Channels';
import { Alerts } from './pages/Alerts';
import { Incidents } from './pages/Incidents';
import { StatusPages } from './pages/StatusPages';
import { MaintenanceWindows } from './pages/MaintenanceWindows';
import { ApiKeys } from './pages/ApiKeys';
import { Teams } from './pages/Teams';

// The monitor page carries uPlot: loaded when first opened, not with the list.
const MonitorPage = lazy(() => import('./pages/MonitorPage'));

const NAV = [
  { href: '/', label: 'Monitors' },
  { href: '/incidents', label: 'Incidents' },
  { href: '/channels', label: 'Channels' },
  { href: '/alerts', label: 'Alerts' },
  { href: '/status-pages', label: 'Status pages' },
  { href: '/maintenance', label: 'Maintenance' },
  { href: '/api-keys', label: 'API keys' },
  { href: '/teams', label: 'Teams' },
];

export function App() {
  const [signedIn, setSignedIn] = useState(auth.signedIn());
  const loc = useLocation();
  useEffect(() => auth.onChange(setSignedIn), []);

  if (!signedIn) return <SignIn register={loc.path === '/register'} />;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand">
          Uptime
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <Link
                  href={item.href}
                  aria-current={isCurrent(loc.path, item.href) ? 'page' : undefined}
                >
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-actions">
          <ThemeToggle />
          <button
            type="button"
            className="button-quiet"
            onClick={() => void auth.signOut().then(() => navigate('/'))}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p className="loading">Loading…</p>}>
          <Route path={loc.path} />
        </Suspense>
      </main>
    </>
  );
}

function isCurrent(path: string, href: string): boolean {
  return href === '/' ? path === '/' || path.startsWith('/monitors') : path.startsWith(href);
}

function Route({ path }: { path: string }) {
  if (path === '/' || path === '/monitors') return <Monitors />;
  if (path === '/monitors/new') return <MonitorEditor />;
  const edit = /^\/monitors\/([^/]+)\/edit$/.exec(path);
  if (edit) return <MonitorEditor id={edit[1]} />;
  const monitor = /^\/monitors\/([^/]+)$/.exec(path);
  if (monitor) return <MonitorPage id={monitor[1]!} />;
  if (path === '/incidents') return <Incidents />;
  if (path === '/channels') return <Channels />;
  if (path === '/alerts') return <Alerts />;
  if (path === '/status-pages') return <StatusPages />;
  if (path === '/maintenance') return <MaintenanceWindows />;
  if (path === '/api-keys') return <ApiKeys />;
  if (path === '/teams') return <Teams />;
  if (path === '/register' || path === '/sign-in') return <Redirect to="/" />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link href="/">Back to the monitors</Link>
      </p>
    </section>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

const THEME_NEXT: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };

function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  const change = () => {
    const next = THEME_NEXT[theme];
    applyTheme(next);
    setTheme(next);
  };
  return (
    <button
      type="button"
      className="button-quiet"
      onClick={change}
      aria-label={`Theme: ${theme}. Change theme`}
    >
      Theme: {theme}
    </button>
  );
}
