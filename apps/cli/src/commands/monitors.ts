import type { Monitor, Page } from '@uptime/contracts';
import type { UptimeApi } from '../api/uptime-api';
import { renderTable } from '../terminal/table';
import { type CommandContext, flag } from './command';

/** What the client shows of a monitor; `key` is set on monitors managed as code. */
export type MonitorView = Pick<
  Monitor,
  'id' | 'name' | 'url' | 'intervalSeconds' | 'status' | 'paused'
> & { key?: string | null };

/** `uptime monitors list [--json]`: every monitor, page after page. */
export async function listMonitors({ api, io, invocation }: CommandContext): Promise<number> {
  const monitors = await allMonitors(api);
  if (flag(invocation, 'json')) {
    io.stdout.write(JSON.stringify(monitors, null, 2) + '\n');
    return 0;
  }
  if (monitors.length === 0) {
    io.stdout.write('No monitors.\n');
    return 0;
  }
  io.stdout.write(
    renderTable(
      ['KEY', 'NAME', 'URL', 'INTERVAL', 'STATUS', 'PAUSED'],
      monitors.map((m) => [
        m.key ?? '-',
        m.name,
        m.url,
        `${m.intervalSeconds}s`,
        m.status,
        m.paused ? 'yes' : 'no',
      ]),
    ),
  );
  return 0;
}

async function allMonitors(api: UptimeApi): Promise<MonitorView[]> {
  const monitors: MonitorView[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page: Page<MonitorView> = await api.get(`/monitors?limit=500${query}`);
    monitors.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return monitors;
}
