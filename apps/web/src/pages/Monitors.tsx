import { useMemo, useState } from 'react';
import { api, query } from '../api';
import { usePolling } from '../hooks';
import { Link } from '../router';
import {
  type DashboardEntry,
  MAX_RESPONSE_TIME_IDS,
  type Monitor,
  MONITOR_STATUSES,
  MONITOR_TYPES,
  type Page,
  type ResponseTimePoint,
  type ResponseTimesBatch,
} from '../types';
import { ErrorNote, ms, percent, SkeletonRows, Sparkline, StatusBadge, when } from '../ui';

/** Every page of `GET /monitors`: the list needs each monitor's type, which /dashboard leaves out. */
export async function allMonitors(): Promise<Monitor[]> {
  const items: Monitor[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Monitor> = await api.get(`/monitors${query({ limit: 500, cursor })}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Types change only when a monitor is edited: asked less often than the live status. */
const TYPES_POLL_MS = 30_000;
const SPARKLINE_POLL_MS = 60_000;

/**
 * The last 24 h of response times of every listed monitor, by id, in hourly points (25 a line: a
 * sparkline shows no more, and the answer for 100 monitors stays about 0.25 MB): one request per
 * MAX_RESPONSE_TIME_IDS monitors (one for nearly every list), not one per monitor.
 */
async function sparklinesOf(ids: readonly string[]): Promise<Map<string, ResponseTimePoint[]>> {
  const from = new Date(Date.now() - 24 * 3600_000).toISOString();
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += MAX_RESPONSE_TIME_IDS)
    chunks.push(ids.slice(i, i + MAX_RESPONSE_TIME_IDS));
  const answers = await Promise.all(
    chunks.map((chunk) =>
      api.get<ResponseTimesBatch>(
        `/monitors/response-times${query({ ids: chunk.join(','), from, bucket: '1h' })}`,
      ),
    ),
  );
  return new Map(answers.flatMap((a) => a.items).map((i) => [i.monitorId, i.points]));
}

export function Monitors() {
  const dashboard = usePolling(() => api.get<{ items: DashboardEntry[] }>('/dashboard'), []);
  const monitors = usePolling(allMonitors, [], TYPES_POLL_MS);
  // Asked again when the list's monitors change, not at each status poll nor each filter.
  const listed = (dashboard.data?.items ?? []).map((m) => m.id).join(',');
  const sparklines = usePolling(
    () =>
      listed
        ? sparklinesOf(listed.split(','))
        : Promise.resolve(new Map<string, ResponseTimePoint[]>()),
    [listed],
    SPARKLINE_POLL_MS,
  );
  const [status, setStatus] = useState('');
  const [type, setType] = useState('');
  const [search, setSearch] = useState('');

  const typeOf = useMemo(
    () => new Map((monitors.data ?? []).map((m) => [m.id, m.type])),
    [monitors.data],
  );
  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (dashboard.data?.items ?? []).filter(
      (m) =>
        (!status || m.status === status) &&
        (!type || typeOf.get(m.id) === type) &&
        (!needle || m.name.toLowerCase().includes(needle) || m.url.toLowerCase().includes(needle)),
    );
  }, [dashboard.data, status, type, search, typeOf]);
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const m of dashboard.data?.items ?? []) c[m.status] = (c[m.status] ?? 0) + 1;
    return c;
  }, [dashboard.data]);

  return (
    <section>
      <div className="page-head">
        <h1>Monitors</h1>
        <Link href="/monitors/new" className="button button-primary">
          New monitor
        </Link>
      </div>
      <p className="summary" aria-live="polite">
        {dashboard.data
          ? `${dashboard.data.items.length} monitors: ${counts.up ?? 0} up, ${counts.down ?? 0} down, ${counts.degraded ?? 0} degraded, ${counts.paused ?? 0} paused`
          : 'Loading monitors…'}
      </p>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="monitor-search">Search</label>
          <input
            id="monitor-search"
            type="search"
            placeholder="Name or URL"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="monitor-status">Status</label>
          <select id="monitor-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any</option>
            {MONITOR_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="monitor-type">Type</label>
          <select id="monitor-type" value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">Any</option>
            {MONITOR_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorNote error={dashboard.error ?? sparklines.error} />
      <div className="table-wrap">
        <table className="monitors-table">
          <caption className="visually-hidden">
            Your monitors with their status, 24 h uptime and latency
          </caption>
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Monitor</th>
              <th scope="col">Type</th>
              <th scope="col">Uptime 24 h</th>
              <th scope="col">Latency</th>
              <th scope="col">Last 24 h</th>
              <th scope="col">Last check</th>
            </tr>
          </thead>
          <tbody>
            {!dashboard.data && <SkeletonRows rows={4} columns={7} />}
            {rows.map((m) => (
              <tr key={m.id} data-monitor-id={m.id}>
                <td>
                  <StatusBadge status={m.status} />
                </td>
                <td className="cell-name">
                  <Link href={`/monitors/${m.id}`}>{m.name}</Link>
                  <small className="muted url">{m.url}</small>
                </td>
                <td>{typeOf.get(m.id) ?? '…'}</td>
                <td>{percent(m.uptime24hPercent)}</td>
                <td>{ms(m.latencyMs)}</td>
                <td>
                  <Sparkline
                    values={(sparklines.data?.get(m.id) ?? []).map((p) => p.avgLatencyMs)}
                    label={`Latency of ${m.name} over 24 h`}
                  />
                </td>
                <td>{when(m.lastCheckedAt)}</td>
              </tr>
            ))}
            {dashboard.data && rows.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  {dashboard.data.items.length
                    ? 'No monitor matches these filters.'
                    : 'No monitors yet. Create your first one.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
