import type { CheckResult } from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Registry } from 'prom-client';
import { startProber } from '../../apps/prober/src/bootstrap';
import { loadProberConfig } from '../../apps/prober/src/config';
import { OutputCapture } from '../support/output-capture';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { waitFor } from '../support/wait-for';

/** An HTTP server on one loopback address that answers 200 and counts what it was asked. */
async function countingTarget(
  host: string,
): Promise<{ url: string; hits(): number; server: Server }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('healthy');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host}:${port}`, hits: () => hits, server };
}

describe('which targets a prober may check (PROBE_ALLOWED_CIDRS)', () => {
  const pipeline = new Pipeline();
  const output = new OutputCapture();
  let allowed: Awaited<ReturnType<typeof countingTarget>>;
  let forbidden: Awaited<ReturnType<typeof countingTarget>>;
  let token: string;

  const firstCheck = async (name: string, url: string) => {
    const res = await pipeline.api.post<{ id: string }>(
      '/api/v1/monitors',
      { name, url, intervalSeconds: 10, timeoutMs: 3000 },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return waitFor(
      `a check of ${name}`,
      async () =>
        (
          await pipeline.api.get<{ items: CheckResult[] }>(
            `/api/v1/monitors/${res.body.id}/checks?limit=10`,
            token,
          )
        ).body.items[0],
      30_000,
      100,
    );
  };

  before(async () => {
    output.start();
    allowed = await countingTarget('127.0.0.2');
    forbidden = await countingTarget('127.0.0.1');
    await pipeline.start({ probers: 0, schedulers: 1 });
    // Configured from the environment as a deployment would be: only 127.0.0.2 is reachable.
    const config = loadProberConfig({
      NATS_URL,
      REGION: pipeline.region,
      LOG_LEVEL: 'info',
      PROBE_ALLOWED_CIDRS: '127.0.0.2/32',
    });
    pipeline.probers.push(await startProber(config, false));
    token = (await pipeline.api.newUser('targets')).accessToken;
  });
  after(async () => {
    output.stop();
    await pipeline.stop();
    await Promise.all([allowed, forbidden].map((t) => t && new Promise((r) => t.server.close(r))));
  });

  it('should check a private target inside an allowed network and refuse the rest unseen', async () => {
    const forbiddenPort = new URL(forbidden.url).port;
    const [inside, literal, named] = await Promise.all([
      firstCheck('inside', `${allowed.url}/health`),
      firstCheck('literal', `${forbidden.url}/health`),
      firstCheck('named', `http://localhost:${forbiddenPort}/health`),
    ]);
    assert.equal(inside.outcome, 'up', inside.message ?? '');
    assert.ok(allowed.hits() >= 1);

    assert.equal(literal.outcome, 'down');
    assert.equal(literal.errorKind, 'blocked_target');
    assert.match(literal.message ?? '', /^127\.0\.0\.1 is a loopback address/);
    assert.equal(named.errorKind, 'blocked_target');
    assert.match(named.message ?? '', /^localhost resolves to 127\.0\.0\.1, which is a loopback/);
    assert.equal(forbidden.hits(), 0, 'a refused target is never contacted');

    const registry = pipeline.probers[0]!.app.get<Registry>(TELEMETRY, { strict: false });
    const metric = await registry.getSingleMetricAsString('uptime_probe_blocked_targets_total');
    assert.match(metric, /\{reason="loopback",app="prober",region="[^"]+"\} [1-9]/);
    assert.match(output.text, /refused by the target guard: check: (127\.0\.0\.1|localhost)/);
  });
});
