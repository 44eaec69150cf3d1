import { api, query } from '../api';
import { useCursorPager, usePolling } from '../hooks';
import type { Alert, Channel, Page } from '../types';
import { DataTable, ErrorNote, Pager, StatusBadge, when } from '../ui';

/** Every notification sent: what, where, and how delivery went. */
export function Alerts() {
  const pager = useCursorPager();
  const cursor = pager.cursor;
  const page = usePolling(
    () => api.get<Page<Alert>>(`/alerts${query({ cursor, limit: 25 })}`),
    [cursor],
  );
  const channels = usePolling(() => api.get<{ items: Channel[] }>('/channels'), [], 30_000);
  const channelName = new Map((channels.data?.items ?? []).map((c) => [c.id, c.name]));
  return (
    <section>
      <h1>Alert history</h1>
      <ErrorNote error={page.error} />
      <DataTable
        label="Alert history"
        columns={['Delivery', 'Kind', 'Channel', 'Created', 'Attempts', 'Last error']}
        rows={page.data?.items}
        loadingRows={5}
        empty="No alerts yet."
      >
        {page.data?.items.map((a) => (
          <tr key={a.id}>
            <td>
              <StatusBadge status={a.status} />
            </td>
            <td>
              {a.kind}
              {a.escalationStep !== null && ` (step ${a.escalationStep})`}
            </td>
            <td>{channelName.get(a.channelId) ?? a.channelId.slice(0, 8)}</td>
            <td>{when(a.createdAt)}</td>
            <td>{a.attempts}</td>
            <td className="cell-message">{a.lastError ?? ''}</td>
          </tr>
        ))}
      </DataTable>
      <Pager pager={pager} nextCursor={page.data?.nextCursor} />
    </section>
  );
}
