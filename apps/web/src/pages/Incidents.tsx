import { useState } from 'react';
import { api, query } from '../api';
import { useCursorPager, usePolling } from '../hooks';
import { Link } from '../router';
import type { Incident, Page } from '../types';
import { ErrorNote, Pager, Skeleton, StatusBadge, when } from '../ui';

/** Incidents with their timelines, each folded into a disclosure (a real button to keyboards). */
export function IncidentList({
  incidents,
  names,
}: {
  incidents: Incident[] | undefined;
  names?: Map<string, string>;
}) {
  if (!incidents) return <Skeleton height="3em" />;
  if (incidents.length === 0) return <p className="empty">No incidents.</p>;
  return (
    <ul className="incidents">
      {incidents.map((i) => (
        <li key={i.id} className={`incident incident-${i.state}`} data-incident-state={i.state}>
          <details>
            <summary>
              <StatusBadge status={i.state} /> <strong>{i.kind}</strong>{' '}
              {names && (
                <>
                  on{' '}
                  <Link href={`/monitors/${i.monitorId}`}>
                    {names.get(i.monitorId) ?? 'a monitor'}
                  </Link>{' '}
                </>
              )}
              from {when(i.startedAt)}
              {i.resolvedAt && ` to ${when(i.resolvedAt)}`}
            </summary>
            <ol className="timeline">
              {i.timeline.map((t, n) => (
                <li key={n}>
                  <time dateTime={t.at}>{when(t.at)}</time> <strong>{t.event}</strong> {t.message}
                </li>
              ))}
            </ol>
          </details>
        </li>
      ))}
    </ul>
  );
}

export function Incidents() {
  const [state, setState] = useState('');
  const pager = useCursorPager();
  const cursor = pager.cursor;
  const page = usePolling(
    () => api.get<Page<Incident>>(`/incidents${query({ state, cursor, limit: 25 })}`),
    [state, cursor],
  );
  const names = usePolling(
    () => api.get<{ items: { id: string; name: string }[] }>('/dashboard'),
    [],
    30_000,
  );
  return (
    <section>
      <h1>Incidents</h1>
      <div className="filters">
        <div className="field">
          <label htmlFor="incident-state">State</label>
          <select
            id="incident-state"
            value={state}
            onChange={(e) => {
              setState(e.target.value);
              pager.reset();
            }}
          >
            <option value="">Any</option>
            <option value="open">open</option>
            <option value="resolved">resolved</option>
          </select>
        </div>
      </div>
      <ErrorNote error={page.error} />
      <div className="card">
        <IncidentList
          incidents={page.data?.items}
          names={new Map((names.data?.items ?? []).map((m) => [m.id, m.name]))}
        />
      </div>
      <Pager pager={pager} nextCursor={page.data?.nextCursor} />
    </section>
  );
}
