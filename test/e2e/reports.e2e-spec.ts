import type { Incident, Monitor, MonitorReport } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Pipeline } from '../support/pipeline';
import { TargetServer } from '../support/target-server';
import { waitFor } from '../support/wait-for';

interface Problem {
  errors: { field: string; message: string }[];
}

const INTERVAL_S = 10;
const WAIT_MS = 3 * INTERVAL_S * 1000 + 8000;
const YEAR_MS = 365.25 * 86_400_000;

/** Splits CSV text into rows of cells (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (quoted || (c !== '"' && c !== ',' && c !== '\r')) {
      cell += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++; // the \n of \r\n
    }
  }
  return rows;
}

describe('SLA reports and check downloads', () => {
  const pipeline = new Pipeline();
  let target: TargetServer;
  let token: string;
  let outsider: string;
  let monitor: Monitor;
  let incident: Incident;

  const incidents = async () =>
    (
      await pipeline.api.get<{ items: Incident[] }>(
        `/api/v1/monitors/${monitor.id}/incidents`,
        token,
      )
    ).body.items;

  before(async () => {
    target = await TargetServer.start();
    await pipeline.start({ probers: 1, schedulers: 1 });
    token = (await pipeline.api.newUser('reports')).accessToken;
    outsider = (await pipeline.api.newUser('reports-outsider')).accessToken;
    const created = await pipeline.api.post<Monitor>(
      '/api/v1/monitors',
      {
        // A name a spreadsheet would run as a formula: the CSV must neutralise it.
        name: '=HYPERLINK("http://evil.example","shop")',
        url: target.url('shop'),
        intervalSeconds: INTERVAL_S,
        timeoutMs: 2000,
        regions: [pipeline.region],
      },
      token,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    monitor = created.body;
    // Up, then down long enough for an incident, then up again: one resolved incident.
    await waitFor(
      'an up check',
      async () => {
        const page = await pipeline.api.get<{ items: { outcome: string }[] }>(
          `/api/v1/monitors/${monitor.id}/checks`,
          token,
        );
        return page.body.items.some((c) => c.outcome === 'up') || undefined;
      },
      WAIT_MS,
      250,
    );
    target.set('shop', 'fail');
    await waitFor(
      'an open incident',
      async () => (await incidents()).find((i) => i.state === 'open'),
      WAIT_MS,
      250,
    );
    target.set('shop', 'ok');
    incident = await waitFor(
      'the incident resolved',
      async () => (await incidents()).find((i) => i.state === 'resolved'),
      WAIT_MS,
      250,
    );
    // The notifier may resolve before the metrics service stored the check that resolved it.
    await waitFor(
      'the recovering check stored',
      async () => {
        const page = await pipeline.api.get<{ items: { outcome: string; scheduledAt: string }[] }>(
          `/api/v1/monitors/${monitor.id}/checks`,
          token,
        );
        return (
          page.body.items.some(
            (c) =>
              c.outcome === 'up' && Date.parse(c.scheduledAt) >= Date.parse(incident.resolvedAt!),
          ) || undefined
        );
      },
      WAIT_MS,
      250,
    );
  });
  after(async () => {
    await pipeline.stop();
    await target.close();
  });

  it('should report uptime, downtime, one incident and its recovery time over the range', async () => {
    const res = await pipeline.api.get<MonitorReport>(
      `/api/v1/monitors/${monitor.id}/report?from=${new Date(Date.now() - 3_600_000).toISOString()}`,
      token,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { checks, incidents: summary } = res.body;
    assert.equal(res.body.name, monitor.name);
    assert.ok(checks.checks >= 3, `checks ${checks.checks}`);
    assert.ok(checks.downChecks >= 1 && checks.downChecks < checks.checks, JSON.stringify(checks));
    const uptime = ((checks.checks - checks.downChecks) / checks.checks) * 100;
    assert.ok(Math.abs((checks.uptimePercent ?? -1) - uptime) < 0.01, JSON.stringify(checks));
    assert.equal(checks.resolution, '1m');
    assert.ok(checks.p50 !== null && checks.p99 !== null && checks.p50 <= checks.p99);

    const duration = (Date.parse(incident.resolvedAt!) - Date.parse(incident.startedAt)) / 1000;
    assert.equal(summary.incidents, 1);
    assert.ok(Math.abs(summary.downtimeSeconds - duration) < 0.01, JSON.stringify(summary));
    assert.ok(Math.abs((summary.mttrSeconds ?? -1) - duration) < 0.01, JSON.stringify(summary));
    assert.ok(duration > 0);
  });

  it('should count only the part of an incident inside the range, and nothing outside it', async () => {
    const start = Date.parse(incident.startedAt);
    const end = Date.parse(incident.resolvedAt!);
    const mid = new Date((start + end) / 2).toISOString();
    const half = await pipeline.api.get<MonitorReport>(
      `/api/v1/monitors/${monitor.id}/report?from=${mid}&to=${new Date().toISOString()}`,
      token,
    );
    assert.equal(half.status, 200);
    assert.equal(half.body.incidents.incidents, 1);
    const expected = (end - Date.parse(mid)) / 1000;
    assert.ok(
      Math.abs(half.body.incidents.downtimeSeconds - expected) < 0.01,
      JSON.stringify(half.body.incidents),
    );

    const before = await pipeline.api.get<MonitorReport>(
      `/api/v1/monitors/${monitor.id}/report?from=${new Date(start - 7_200_000).toISOString()}&to=${new Date(start - 3_600_000).toISOString()}`,
      token,
    );
    assert.equal(before.status, 200);
    assert.deepEqual(before.body.incidents, {
      incidents: 0,
      downtimeSeconds: 0,
      mttrSeconds: null,
      longestSeconds: null,
    });
    assert.equal(before.body.checks.checks, 0);
    assert.equal(before.body.checks.uptimePercent, null);
  });

  it('should read the hourly rollup for a range years long and agree on the counts', async () => {
    const from = new Date(Date.now() - 4 * YEAR_MS).toISOString();
    const long = await pipeline.api.get<MonitorReport>(
      `/api/v1/monitors/${monitor.id}/report?from=${from}`,
      token,
    );
    const short = await pipeline.api.get<MonitorReport>(
      `/api/v1/monitors/${monitor.id}/report?from=${new Date(Date.now() - 3_600_000).toISOString()}`,
      token,
    );
    assert.equal(long.status, 200, JSON.stringify(long.body));
    assert.equal(long.body.checks.resolution, '1h');
    // Checks keep arriving between the two reads: the later one may hold one or two more.
    assert.ok(
      short.body.checks.checks - long.body.checks.checks <= 2,
      `${long.body.checks.checks} vs ${short.body.checks.checks}`,
    );
    assert.ok(long.body.checks.checks >= 3);
    assert.equal(long.body.incidents.incidents, 1);
  });

  it('should answer the report as CSV, with a formula-looking name neutralised', async () => {
    const res = await pipeline.api.text('GET', `/api/v1/monitors/${monitor.id}/report?format=csv`, {
      token,
    });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="report-/);
    const [header, row, ...rest] = parseCsv(res.text);
    assert.equal(rest.length, 0);
    assert.equal(header[0], 'monitor_id');
    const cell = (name: string) => row[header.indexOf(name)];
    assert.equal(cell('monitor_id'), monitor.id);
    assert.equal(cell('name'), `'${monitor.name}`);
    assert.equal(cell('incidents'), '1');
    assert.ok(Number(cell('checks')) >= 3);
    assert.equal(cell('resolution'), '1m');
  });

  it('should download every stored check of a range as CSV, oldest first', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date().toISOString();
    const csv = await pipeline.api.text(
      'GET',
      `/api/v1/monitors/${monitor.id}/checks.csv?from=${from}&to=${to}`,
      { token },
    );
    assert.equal(csv.status, 200, csv.text);
    assert.equal(csv.headers.get('x-row-limit'), '50000');
    const [header, ...rows] = parseCsv(csv.text);
    const list = await pipeline.api.get<{ items: { id: string; outcome: string }[] }>(
      `/api/v1/monitors/${monitor.id}/checks?from=${from}&to=${to}&sort=asc&limit=500`,
      token,
    );
    assert.deepEqual(
      rows.map((r) => r[header.indexOf('id')]),
      list.body.items.map((c) => c.id),
    );
    assert.ok(rows.some((r) => r[header.indexOf('outcome')] === 'down'));
    const times = rows.map((r) => Date.parse(r[header.indexOf('scheduled_at')]));
    assert.deepEqual(
      [...times].sort((a, b) => a - b),
      times,
    );
  });

  it('should refuse bad ranges and formats with problems naming the field', async () => {
    const cases: [string, string][] = [
      [`report?from=${new Date(Date.now() - 6 * YEAR_MS).toISOString()}`, 'from'],
      [`report?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z`, 'from'],
      ['report?format=xml', 'format'],
      ['report?to=yesterday', 'to'],
      ['report?window=24h', 'window'],
      ['checks.csv?from=not-a-date', 'from'],
      [`checks.csv?from=${new Date(Date.now() - 6 * YEAR_MS).toISOString()}`, 'from'],
      // `to` alone: the range it implies (30 days, 24 h before it) must lie in the kept years.
      ['report?to=2000-01-01T00:00:00Z', 'to'],
      ['checks.csv?to=0001-01-01T00:00:00Z', 'to'],
      // No range longer than five years, also one reaching into the future.
      [`report?from=${new Date().toISOString()}&to=2099-01-01T00:00:00Z`, 'to'],
      ['checks.csv?limit=10', 'limit'],
    ];
    for (const [path, field] of cases) {
      const res = await pipeline.api.get<Problem>(`/api/v1/monitors/${monitor.id}/${path}`, token);
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.ok(
        res.body.errors.some((e) => e.field === field),
        `${path}: ${JSON.stringify(res.body)}`,
      );
    }
  });

  it("should answer 404 for another team's monitor and for an unknown id, revealing nothing", async () => {
    for (const path of ['report', 'report?format=csv', 'checks.csv']) {
      const foreign = await pipeline.api.text('GET', `/api/v1/monitors/${monitor.id}/${path}`, {
        token: outsider,
      });
      assert.equal(foreign.status, 404, `${path}: ${foreign.text}`);
      assert.doesNotMatch(foreign.text, /HYPERLINK|shop/);
      const unknown = await pipeline.api.text(
        'GET',
        `/api/v1/monitors/00000000-0000-4000-8000-000000000000/${path}`,
        { token },
      );
      assert.equal(unknown.status, 404, `${path}: ${unknown.text}`);
    }
    const anonymous = await pipeline.api.text('GET', `/api/v1/monitors/${monitor.id}/report`, {});
    assert.equal(anonymous.status, 401);
  });
});
