import { lazy, Suspense, useState } from 'react';
import { api, download, query } from '../api';
import { messageOf, useCursorPager, usePolling } from '../hooks';
import { Link, navigate } from '../router';
import type { CheckResult, Incident, Monitor, MonitorReport, MonitorStats, Page } from '../types';
import {
  DataTable,
  duration,
  ErrorNote,
  ms,
  Pager,
  percent,
  Skeleton,
  StatusBadge,
  when,
} from '../ui';
import { IncidentList } from './Incidents';

const ResponseChart = lazy(() => import('./ResponseChart'));

const RANGES = [
  { value: '1h', label: 'Last hour', ms: 3600_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3600_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
];
/** Checks the chart reads at most (pages of 500, oldest first). */
const MAX_CHART_CHECKS = 2000;
const CHART_POLL_MS = 15_000;
const UPTIME_POLL_MS = 30_000;
const DAY_MS = 24 * 3600_000;

/** One monitor: status, uptime, response times by phase, checks, incidents, reports. */
export default function MonitorPage({ id }: { id: string }) {
  const monitor = usePolling(() => api.get<Monitor>(`/monitors/${id}`), [id]);
  const m = monitor.data;
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>{m ? m.name : <Skeleton width="12em" />}</h1>
          <p className="muted url">{m ? m.url : <Skeleton width="20em" />}</p>
        </div>
        {m && <StatusBadge status={m.status} />}
      </div>
      <ErrorNote error={monitor.error} />
      {m && <Actions monitor={m} reload={monitor.reload} />}
      <Uptime id={id} />
      <Chart id={id} />
      <Checks id={id} />
      <MonitorIncidents id={id} />
    </section>
  );
}

function Actions({ monitor, reload }: { monitor: Monitor; reload: () => void }) {
  const [result, setResult] = useState<CheckResult | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (what: string, action: () => Promise<unknown>) => {
    setBusy(what);
    setError(null);
    try {
      await action();
      reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(null);
    }
  };
  const base = `/monitors/${monitor.id}`;
  const remove = () => {
    if (!confirm(`Delete the monitor "${monitor.name}" and its schedule?`)) return;
    void run('delete', async () => {
      await api.delete(base);
      navigate('/');
    });
  };
  return (
    <div className="card">
      <div className="actions">
        <Link className="button" href={`${base}/edit`}>
          Edit
        </Link>
        {monitor.paused ? (
          <button
            type="button"
            disabled={busy !== null}
            onClick={() => void run('resume', () => api.post(`${base}/resume`))}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            disabled={busy !== null}
            onClick={() => void run('pause', () => api.post(`${base}/pause`))}
          >
            Pause
          </button>
        )}
        {monitor.type !== 'heartbeat' && (
          <button
            type="button"
            disabled={busy !== null}
            onClick={() =>
              void run('check', async () => setResult(await api.post<CheckResult>(`${base}/check`)))
            }
          >
            {busy === 'check' ? 'Checking…' : 'Check now'}
          </button>
        )}
        <button
          type="button"
          onClick={() =>
            void run('report', () => download(`${base}/report?format=csv`, 'report.csv'))
          }
        >
          SLA report (CSV)
        </button>
        <button
          type="button"
          onClick={() =>
            void run('report', () => download(`${base}/report?format=json`, 'report.json'))
          }
        >
          SLA report (JSON)
        </button>
        <button
          type="button"
          onClick={() => void run('csv', () => download(`${base}/checks.csv`, 'checks.csv'))}
        >
          Checks (CSV, 24 h)
        </button>
        <button type="button" className="button-danger" disabled={busy !== null} onClick={remove}>
          Delete
        </button>
      </div>
      {monitor.pingUrl && (
        <p>
          Ping URL: <code>{monitor.pingUrl}</code>
        </p>
      )}
      <ErrorNote error={error} />
      <div aria-live="polite" className="check-result">
        {result && (
          <p>
            Check now: <StatusBadge status={result.outcome} /> in {ms(result.latencyMs)}
            {result.httpStatus !== null && `, HTTP ${result.httpStatus}`}
            {result.message && ` — ${result.message}`}
          </p>
        )}
      </div>
    </div>
  );
}

function Uptime({ id }: { id: string }) {
  const windows = usePolling(
    () =>
      Promise.all([
        ...(['24h', '7d', '30d'] as const).map((w) =>
          api.get<MonitorStats>(`/monitors/${id}/stats?window=${w}`),
        ),
        // Stats windows end at 30 days; the SLA report covers any range, so it gives 90 days.
        api.get<MonitorReport>(
          `/monitors/${id}/report${query({ from: new Date(Date.now() - 90 * DAY_MS).toISOString() })}`,
        ),
      ]),
    [id],
    UPTIME_POLL_MS,
  );
  const stats = windows.data?.slice(0, 3) as MonitorStats[] | undefined;
  const report = windows.data?.[3] as MonitorReport | undefined;
  const cards = [
    {
      label: '24 hours',
      value: stats?.[0]?.uptimePercent,
      extra: stats ? `p95 ${ms(stats[0]!.p95)}` : undefined,
    },
    {
      label: '7 days',
      value: stats?.[1]?.uptimePercent,
      extra: stats ? `p95 ${ms(stats[1]!.p95)}` : undefined,
    },
    {
      label: '30 days',
      value: stats?.[2]?.uptimePercent,
      extra: stats ? `p95 ${ms(stats[2]!.p95)}` : undefined,
    },
    {
      label: '90 days',
      value: report?.checks.uptimePercent,
      extra: report
        ? `${report.incidents.incidents} incidents, ${duration(report.incidents.downtimeSeconds)} down`
        : undefined,
    },
  ];
  return (
    <div className="stat-cards" aria-label="Uptime">
      {cards.map((c) => (
        <div className="card stat" key={c.label}>
          <span className="stat-label">Uptime {c.label}</span>
          <strong className="stat-value">
            {windows.data ? percent(c.value) : <Skeleton width="4em" />}
          </strong>
          <small className="muted">{c.extra ?? <Skeleton width="6em" />}</small>
        </div>
      ))}
      <ErrorNote error={windows.error} />
    </div>
  );
}

async function checksSince(id: string, fromMs: number): Promise<CheckResult[]> {
  const items: CheckResult[] = [];
  let cursor: string | null = null;
  const from = new Date(Date.now() - fromMs).toISOString();
  do {
    const page: Page<CheckResult> = await api.get(
      `/monitors/${id}/checks${query({ from, sort: 'asc', limit: 500, cursor })}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < MAX_CHART_CHECKS);
  return items;
}

function Chart({ id }: { id: string }) {
  const [range, setRange] = useState('24h');
  const span = RANGES.find((r) => r.value === range)!.ms;
  const checks = usePolling(() => checksSince(id, span), [id, span], CHART_POLL_MS);
  return (
    <div className="card">
      <div className="card-head">
        <h2>Response time by phase</h2>
        <div className="field field-inline">
          <label htmlFor="chart-range">Range</label>
          <select id="chart-range" value={range} onChange={(e) => setRange(e.target.value)}>
            {RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNote error={checks.error} />
      <div className="chart-box">
        {checks.data && checks.data.length > 0 ? (
          <Suspense fallback={<Skeleton height="260px" />}>
            <ResponseChart checks={checks.data} />
          </Suspense>
        ) : checks.data ? (
          <p className="empty">No checks in this range yet.</p>
        ) : (
          <Skeleton height="260px" />
        )}
      </div>
    </div>
  );
}

function Checks({ id }: { id: string }) {
  const [outcome, setOutcome] = useState('');
  const pager = useCursorPager();
  const cursor = pager.cursor;
  const page = usePolling(
    () =>
      api.get<Page<CheckResult>>(`/monitors/${id}/checks${query({ outcome, cursor, limit: 20 })}`),
    [id, outcome, cursor],
  );
  return (
    <div className="card">
      <div className="card-head">
        <h2>Check history</h2>
        <div className="field field-inline">
          <label htmlFor="check-outcome">Outcome</label>
          <select
            id="check-outcome"
            value={outcome}
            onChange={(e) => {
              setOutcome(e.target.value);
              pager.reset();
            }}
          >
            <option value="">Any</option>
            <option value="up">up</option>
            <option value="degraded">degraded</option>
            <option value="down">down</option>
          </select>
        </div>
      </div>
      <ErrorNote error={page.error} />
      <DataTable
        label="Check history"
        columns={['Outcome', 'Started', 'Region', 'Latency', 'HTTP', 'Message']}
        rows={page.data?.items}
        loadingRows={5}
        empty="No checks."
      >
        {page.data?.items.map((c) => (
          <tr key={c.id}>
            <td>
              <StatusBadge status={c.outcome} />
            </td>
            <td>{when(c.startedAt)}</td>
            <td>{c.region}</td>
            <td>{ms(c.latencyMs)}</td>
            <td>{c.httpStatus ?? '—'}</td>
            <td className="cell-message">
              {c.errorKind ? `${c.errorKind}: ${c.message ?? ''}` : (c.message ?? '')}
            </td>
          </tr>
        ))}
      </DataTable>
      <Pager pager={pager} nextCursor={page.data?.nextCursor} />
    </div>
  );
}

function MonitorIncidents({ id }: { id: string }) {
  const incidents = usePolling(
    () => api.get<Page<Incident>>(`/monitors/${id}/incidents?limit=20`),
    [id],
  );
  return (
    <div className="card">
      <h2>Incidents</h2>
      <ErrorNote error={incidents.error} />
      <IncidentList incidents={incidents.data?.items} />
    </div>
  );
}
