import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { probeUserAgent } from '@uptime/contracts';
import { TargetPolicy } from '@uptime/target-guard';
import { monitorFixture, probeJobFixture } from '../../../../test/support/factories';
import { runProbeJob } from './run-probe-job';

/** Runs one http job of `region` against a loopback server; answers the headers it received. */
async function headersSeen(region: string, headers: Record<string, string> = {}) {
  let seen: IncomingHttpHeaders = {};
  const server = createServer((req, res) => {
    seen = req.headers;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const monitor = monitorFixture({ url: `http://127.0.0.1:${port}/`, headers });
    const job = { ...probeJobFixture(monitor), region };
    const result = await runProbeJob(job, { targets: new TargetPolicy({ allowPrivate: true }) });
    assert.equal(result.outcome, 'up', result.message ?? '');
    return seen;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('probeUserAgent', () => {
  it("should name the platform's version and the prober's region", () => {
    const manifest = JSON.parse(
      readFileSync(join(__dirname, '../../../../../package.json'), 'utf8'),
    ) as { version: string };
    assert.equal(probeUserAgent('eu-west'), `UptimeProbe/${manifest.version} (+region eu-west)`);
  });

  it("should be what an http check's target sees, after the monitor's own if it sets one", async () => {
    assert.equal((await headersSeen('us-east'))['user-agent'], probeUserAgent('us-east'));
    const own = await headersSeen('us-east', { 'User-Agent': 'mine/1' });
    assert.equal(own['user-agent'], `mine/1 ${probeUserAgent('us-east')}`);
  });
});
