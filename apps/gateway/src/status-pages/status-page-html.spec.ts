import type { DailyFigures, PublicStatusPage } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { renderStatusPage } from './status-page-html';

const DAY_MS = 86_400_000;
const TODAY = Date.UTC(2026, 11, 2);

/** 90 days, oldest first; `down(i)` failed checks on day i of 1,440. */
function days(down: (i: number) => number, checks = 1440): DailyFigures[] {
  return Array.from({ length: 90 }, (_, i) => ({
    date: new Date(TODAY - (89 - i) * DAY_MS).toISOString().slice(0, 10),
    checks,
    down: down(i),
  }));
}

function page(monitors: { name: string; days: DailyFigures[] }[]): PublicStatusPage {
  return {
    title: 'Acme <b>',
    description: null,
    status: 'operational',
    monitors: monitors.map((m, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      name: m.name,
      status: 'up',
      uptimeDays: [],
      days: m.days,
    })),
    incidents: [],
    generatedAt: new Date(TODAY).toISOString(),
  };
}

/** The grid columns each monitor's bars take: a run spans as many as it has days. */
function columnsPerMonitor(html: string): number[] {
  return [...html.matchAll(/<div class="b">(.*?)<\/div>/g)].map((row) =>
    [...row[1].matchAll(/<i [^>]*>/g)].reduce(
      (sum, bar) => sum + Number(/\bw(\d+)\b/.exec(bar[0])?.[1] ?? 1),
      0,
    ),
  );
}

describe('status page HTML', () => {
  it('should draw 90 days per monitor, a day with failures as its own bar with its figures', () => {
    const html = renderStatusPage(page([{ name: 'API', days: days((i) => (i === 88 ? 12 : 0)) }]));
    assert.deepEqual(columnsPerMonitor(html), [90]);
    assert.match(html, /aria-label="2026-12-01: 99\.16% up, 12 of 1,440 checks failed"/);
    assert.match(
      html,
      /class="u w88" aria-label="2026-09-04 to 2026-11-30: 100% up each day, 1,440 checks a day, none failed"/,
    );
    assert.equal((html.match(/<i /g) ?? []).length, 3, 'clean days before and after are runs');
  });

  it('should name a day’s incidents in its bar and list open ones first', () => {
    const p = page([{ name: 'API', days: days((i) => (i === 89 ? 30 : 0)) }]);
    p.incidents = [
      {
        id: '00000000-0000-4000-8000-000000000001',
        monitorId: p.monitors[0].id,
        monitorName: 'API',
        kind: 'down',
        state: 'resolved',
        startedAt: '2026-12-02T00:10:00.000Z',
        resolvedAt: '2026-12-02T00:40:00.000Z',
      },
    ];
    const html = renderStatusPage(p);
    assert.match(
      html,
      /30 of 1,440 checks failed\nIncident \(down\) from 00:10 UTC, resolved after 30 min"/,
    );
    assert.match(html, /<h2>Incidents, last 90 days<\/h2><ul><li><strong>API<\/strong>: down from/);
  });

  it('should be one self-contained document: no script, no external asset, users’ text escaped', () => {
    const html = renderStatusPage(
      page([{ name: '<img src=x onerror=alert(1)>', days: days(() => 0) }]),
    );
    assert.doesNotMatch(html, /<script|<img|<link rel="stylesheet"|https?:/i);
    assert.match(html, /<link rel="icon" href="data:,">/);
    assert.match(html, /Acme &#60;b&#62;/);
  });

  it('should stay below 100 KB for 50 monitors with a few bad days, and gzip well when every day failed somewhere', () => {
    const typical = renderStatusPage(
      page(
        Array.from({ length: 50 }, (_, m) => ({
          name: `Service ${m}`,
          days: days((i) => ((i + m) % 30 === 0 ? 7 : 0)),
        })),
      ),
    );
    assert.deepEqual(new Set(columnsPerMonitor(typical)), new Set([90]));
    const worst = renderStatusPage(
      page(Array.from({ length: 50 }, (_, m) => ({ name: `Service ${m}`, days: days(() => 7) }))),
    );
    const sizes = {
      typical: Buffer.byteLength(typical),
      worst: Buffer.byteLength(worst),
      worstGzipped: gzipSync(worst).length,
    };
    process.stdout.write(`# 50 monitors: ${JSON.stringify(sizes)} bytes\n`);
    assert.ok(sizes.typical < 100_000, `typical page ${sizes.typical} bytes`);
    assert.ok(sizes.worstGzipped < 100_000, `worst page gzipped ${sizes.worstGzipped} bytes`);
  });
});
