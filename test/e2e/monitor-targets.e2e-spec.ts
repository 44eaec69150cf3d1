import type { Monitor } from '@uptime/contracts';
import { TargetPolicy } from '@uptime/target-guard';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadRegistryConfig } from '../../apps/monitor-registry/src/config';
import { ApiStack } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

type User = Awaited<ReturnType<ApiStack['api']['newUser']>>;

interface Refusal {
  errors?: { field: string; message: string }[];
}

/**
 * A monitor whose target is an IP address the probers may not reach is refused when it is saved
 * (400 naming the field), by every way of saving one, instead of being stored to fail each check
 * as `blocked_target`. The registry reads the probers' rules (PROBE_ALLOW_PRIVATE,
 * PROBE_ALLOWED_CIDRS); here only 127.0.0.2 is allowed, as a deployment would configure it.
 */
describe('monitor targets refused when saved', () => {
  let db: TestDatabase;
  let stack: ApiStack;
  let user: User;

  const create = (body: Record<string, unknown>) =>
    stack.api.post<Refusal & Partial<Monitor>>(
      '/api/v1/monitors',
      { name: 'target', intervalSeconds: 30, ...body },
      user.accessToken,
    );
  const fieldsOf = (res: { body: Refusal }) => (res.body.errors ?? []).map((e) => e.field);
  const monitorCount = async () =>
    (await stack.api.get<{ items: Monitor[] }>('/api/v1/monitors?limit=500', user.accessToken)).body
      .items.length;

  before(async () => {
    db = await createTestDatabase();
    const { targets } = loadRegistryConfig({
      DATABASE_URL: db.url,
      PROBE_ALLOWED_CIDRS: '127.0.0.2/32',
    });
    assert.ok(targets instanceof TargetPolicy);
    stack = await ApiStack.start(db.url, {}, { targets });
    user = await stack.api.newUser('targets');
  });
  after(async () => {
    await stack?.stop();
    await db?.drop();
  });

  const refused: [string, Record<string, unknown>, string, RegExp][] = [
    [
      'a private IPv4 address',
      { url: 'http://10.1.2.3/health' },
      'url',
      /^10\.1\.2\.3 is a private address/,
    ],
    [
      'loopback outside the allowed network',
      { url: 'http://127.0.0.1:8080/' },
      'url',
      /loopback address/,
    ],
    ['IPv6 loopback', { url: 'https://[::1]/' }, 'url', /^::1 is a loopback address/],
    [
      '127.0.0.1 written as one number',
      { url: 'http://2130706433/' },
      'url',
      /^127\.0\.0\.1 is a loopback/,
    ],
    [
      'cloud metadata',
      { url: 'http://169.254.169.254/latest/meta-data' },
      'url',
      /never reachable/,
    ],
    [
      'a TCP port on a private address',
      { type: 'tcp', url: 'tcp://192.168.1.20:5432' },
      'url',
      /private address/,
    ],
    [
      'a private DNS resolver',
      {
        type: 'dns',
        url: 'dns://shop.example.test',
        dns: { recordType: 'A', resolver: '10.0.0.53' },
      },
      'dns.resolver',
      /^the resolver 10\.0\.0\.53 is a private address/,
    ],
  ];
  for (const [what, body, field, message] of refused) {
    it(`should refuse ${what}, naming ${field}, and store nothing`, async () => {
      const before = await monitorCount();
      const res = await create(body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.deepEqual(fieldsOf(res), [field]);
      assert.match(res.body.errors![0]!.message, message);
      assert.equal(await monitorCount(), before);
    });
  }

  it('should save an allowed network, a public address and a host name (judged when dialled)', async () => {
    for (const url of [
      'http://127.0.0.2:8080/ok',
      'https://93.184.216.34/',
      'http://localhost:8080/',
    ]) {
      const res = await create({ url });
      assert.equal(res.status, 201, `${url}: ${JSON.stringify(res.body)}`);
    }
  });

  it('should refuse a bulk create whole, naming each refused monitor', async () => {
    const before = await monitorCount();
    const res = await stack.api.post<Refusal>(
      '/api/v1/monitors/bulk',
      {
        monitors: [
          { name: 'fine', url: 'https://bulk.example.test/' },
          { name: 'inner', url: 'http://10.0.0.1/' },
          { name: 'fine too', url: 'http://127.0.0.2:9000/' },
          { name: 'metadata', url: 'http://169.254.169.254/' },
        ],
      },
      user.accessToken,
    );
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.deepEqual(fieldsOf(res), ['monitors[1].url', 'monitors[3].url']);
    assert.equal(await monitorCount(), before, 'all or none');
  });

  it('should refuse a change to a refused address and keep the monitor as it was', async () => {
    const created = await create({ name: 'moving', url: 'https://moving.example.test/' });
    assert.equal(created.status, 201);
    const res = await stack.api.patch<Refusal>(
      `/api/v1/monitors/${created.body.id!}`,
      { url: 'http://172.16.0.9/' },
      user.accessToken,
    );
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.deepEqual(fieldsOf(res), ['url']);
    const after = await stack.api.get<Monitor>(
      `/api/v1/monitors/${created.body.id!}`,
      user.accessToken,
    );
    assert.equal(after.body.url, 'https://moving.example.test/');
  });

  it('should refuse a monitors-as-code document with a refused target, applying nothing', async () => {
    const before = await monitorCount();
    const document = `
version: 1
monitors:
  - key: shop
    name: shop
    url: https://shop.example.test/
  - key: inner
    name: inner
    url: http://10.20.30.40/
`;
    const res = await stack.api.text('POST', '/api/v1/config/apply?dryRun=false&prune=false', {
      token: user.accessToken,
      body: document,
      contentType: 'application/yaml',
    });
    assert.equal(res.status, 400, res.text);
    const problem = JSON.parse(res.text) as Refusal;
    assert.deepEqual(
      (problem.errors ?? []).map((e) => e.field),
      ['monitors[1].url'],
    );
    assert.equal(await monitorCount(), before);
  });
});
