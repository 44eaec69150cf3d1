import type { CheckResult, Page } from '@uptime/contracts';
import { Failure } from '../failure';
import type { Palette } from '../terminal/palette';
import { type CommandContext, flag } from './command';
import type { MonitorView } from './monitors';

/** `uptime check <key>`: runs one check of the monitor now; exit code 1 when it is down. */
export async function check({ api, io, invocation }: CommandContext): Promise<number> {
  const key = invocation.args.key!;
  const page = await api.get<Page<MonitorView>>(`/monitors?key=${encodeURIComponent(key)}`);
  // Matched here too: a platform without the key filter would answer every monitor.
  const monitor = page.items.find((m) => m.key === key);
  if (!monitor) throw new Failure(`no monitor has the key "${key}"`);
  const result = await api.post<CheckResult>(`/monitors/${monitor.id}/check`);
  io.stdout.write(
    flag(invocation, 'json')
      ? JSON.stringify(result, null, 2) + '\n'
      : describeResult(key, result, io.palette) + '\n',
  );
  return result.outcome === 'down' ? 1 : 0;
}

/** `api: up (HTTP 200, 42 ms, region eu-west)`, with the error kind and message when not up. */
export function describeResult(key: string, result: CheckResult, palette: Palette): string {
  const colour = { up: palette.green, degraded: palette.yellow, down: palette.red }[result.outcome];
  const facts = [
    result.httpStatus !== null ? `HTTP ${result.httpStatus}` : undefined,
    `${Math.round(result.latencyMs)} ms`,
    `region ${result.region}`,
    result.errorKind ?? undefined,
  ].filter(Boolean);
  const message = result.outcome !== 'up' && result.message ? `: ${result.message}` : '';
  return `${key}: ${colour(result.outcome)} (${facts.join(', ')})${message}`;
}
