import { type ConfigPlan, ConfigDocumentSchema, type Monitor } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ApiStack } from '../support/services';
import { createTestDatabase, query, type TestDatabase } from '../support/test-database';

interface ProblemBody {
  type: string;
  status: number;
  detail?: string;
  line?: number;
  column?: number;
  errors?: { field: string; message: string; line?: number }[];
}

/** Each user of these tests has a few monitors; the quota test passes this many. */
const MAX_MONITORS = 20;

type User = Awaited<ReturnType<ApiStack['api']['newUser']>>;

/**
 * Monitors as code over HTTP: export a team's monitors as YAML, apply a document (dry run,
 * apply, re-apply, prune), all or nothing, errors that name the field and its line.
 */
describe('monitors as code', () => {
  let db: TestDatabase;
  let stack: ApiStack;
  let owner: User;

  before(async () => {
    db = await createTestDatabase();
    stack = await ApiStack.start(
      db.url,
      { defaultRegions: ['local', 'eu-west'] },
      { maxMonitorsPerUser: MAX_MONITORS },
      { notifier: true },
    );
    owner = await stack.api.newUser('config');
  });
  after(async () => {
    await stack?.stop();
    await db?.drop();
  });

  const exportYaml = async (user = owner) => {
    const res = await stack.api.text('GET', '/api/v1/config/export', { token: user.accessToken });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^text\/yaml/);
    return res.text;
  };

  const apply = async <T = ConfigPlan>(
    document: string,
    options: { dryRun?: boolean; prune?: boolean; user?: User; contentType?: string } = {},
  ) => {
    const params = new URLSearchParams({
      dryRun: String(options.dryRun ?? false),
      prune: String(options.prune ?? false),
    });
    const res = await stack.api.text('POST', `/api/v1/config/apply?${params}`, {
      token: (options.user ?? owner).accessToken,
      body: document,
      contentType: options.contentType ?? 'application/yaml',
    });
    return { status: res.status, body: JSON.parse(res.text) as T };
  };

  const monitorsOf = async (user = owner) => {
    const res = await stack.api.get<{ items: Monitor[] }>(
      '/api/v1/monitors?limit=500',
      user.accessToken,
    );
    assert.equal(res.status, 200);
    return res.body.items;
  };

  const eventsOf = async (user = owner) => {
    const [row] = await query<{ n: string }>(
      db.url,
      `select count(*) as n from registry.monitor_event_outbox where payload->>'ownerId' = $1`,
      [user.id],
    );
    return Number(row!.n);
  };

  const newChannel = async (name: string, user = owner) => {
    const res = await stack.api.post<{ id: string }>(
      '/api/v1/channels',
      {
        name,
        type: 'webhook',
        config: { url: 'https://hooks.example.test/x', secret: 's3cret-value-123' },
      },
      user.accessToken,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };

  const document = `
version: 1
monitors:
  - key: checkout
    name: Checkout API
    url: https://shop.example.test/health
    intervalSeconds: 30
    channels: [ops]
  - key: search
    name: Search
    url: https://search.example.test/
    expectedStatus: ["200", "3xx"]
    alertPolicy: { failuresToOpen: 2, windowSize: 3 }
  - key: status-page
    name: Status page
    url: https://status.example.test/
    method: HEAD
    regions: [eu-west]
`;

  describe('export and apply', () => {
    it('should export an empty team as a document with no monitors', async () => {
      const text = await exportYaml();
      assert.match(
        text,
        /^# yaml-language-server: \$schema=http:\/\/.+\/api\/v1\/config\/schema\.json/,
      );
      assert.deepEqual(parse(text), { version: 1, monitors: [] });
    });

    it('should answer the plan of a dry run and change nothing', async () => {
      await newChannel('ops');
      const res = await apply(document, { dryRun: true });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, {
        create: [{ key: 'checkout' }, { key: 'search' }, { key: 'status-page' }],
        update: [],
        delete: [],
        unchanged: [],
        applied: false,
      });
      assert.deepEqual(await monitorsOf(), []);
      assert.equal(await eventsOf(), 0);
    });

    it('should create the monitors of the document, one event each', async () => {
      const res = await apply(document);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.applied, true);
      assert.deepEqual(
        res.body.create.map((c) => c.key),
        ['checkout', 'search', 'status-page'],
      );
      assert.ok(res.body.create.every((c) => typeof c.id === 'string'));
      const monitors = await monitorsOf();
      assert.equal(monitors.length, 3);
      const checkout = monitors.find((m) => m.key === 'checkout')!;
      assert.equal(checkout.intervalSeconds, 30);
      assert.equal(checkout.timeoutMs, 10_000, 'the default of POST /monitors');
      assert.equal(checkout.channelIds.length, 1);
      const search = monitors.find((m) => m.key === 'search')!;
      assert.deepEqual(search.alertPolicy, {
        failuresToOpen: 2,
        windowSize: 3,
        successesToResolve: 1,
        alertOnDegraded: false,
        renotifyMinutes: null,
        certificateExpiryDays: 14,
        escalation: [],
        regionQuorum: null,
        alertOnPartial: false,
      });
      assert.equal(await eventsOf(), 3);
    });

    it('should change nothing when the same document is applied again', async () => {
      const res = await apply(document);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, {
        create: [],
        update: [],
        delete: [],
        unchanged: ['checkout', 'search', 'status-page'],
        applied: true,
      });
      assert.equal(await eventsOf(), 3);
    });

    it('should export the monitors by key, which applies back unchanged', async () => {
      const text = await exportYaml();
      const exported = parse(text) as { monitors: Record<string, unknown>[]; channels: unknown[] };
      assert.deepEqual(
        exported.monitors.map((m) => m.key),
        ['checkout', 'search', 'status-page'],
      );
      assert.deepEqual(exported.monitors[0], {
        key: 'checkout',
        name: 'Checkout API',
        url: 'https://shop.example.test/health',
        intervalSeconds: 30,
        channels: ['ops'],
      });
      assert.deepEqual(exported.channels, [
        { name: 'ops', type: 'webhook', config: { url: 'https://hooks.example.test/x' } },
      ]);
      assert.doesNotMatch(text, /s3cret/);
      const res = await apply(text);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.unchanged, ['checkout', 'search', 'status-page']);
      assert.equal(res.body.update.length + res.body.create.length, 0);
      assert.equal(await eventsOf(), 3);
    });

    it('should update a changed monitor with a diff of each field', async () => {
      await newChannel('pager');
      const changed = document
        .replace('intervalSeconds: 30', 'intervalSeconds: 60')
        .replace('channels: [ops]', 'channels: [ops, pager]')
        .replace('windowSize: 3', 'windowSize: 4');
      const dry = await apply(changed, { dryRun: true });
      assert.equal(dry.status, 200, JSON.stringify(dry.body));
      const [checkout, search] = dry.body.update;
      assert.equal(checkout!.key, 'checkout');
      assert.deepEqual(checkout!.changes, [
        { field: 'intervalSeconds', from: 30, to: 60 },
        { field: 'channels', from: ['ops'], to: ['ops', 'pager'] },
      ]);
      assert.deepEqual(search!.changes, [{ field: 'alertPolicy.windowSize', from: 3, to: 4 }]);
      assert.deepEqual(dry.body.unchanged, ['status-page']);
      assert.equal(await eventsOf(), 3, 'a dry run records no event');

      const res = await apply(changed);
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.body.update.map((u) => u.key),
        ['checkout', 'search'],
      );
      const byKey = await stack.api.get<{ items: Monitor[] }>(
        '/api/v1/monitors?key=checkout',
        owner.accessToken,
      );
      assert.equal(byKey.body.items.length, 1);
      assert.equal(byKey.body.items[0]!.intervalSeconds, 60);
      assert.equal(byKey.body.items[0]!.version, 2);
      assert.equal(await eventsOf(), 5);
    });

    it('should delete keyed monitors the document leaves out only with prune', async () => {
      const unkeyed = await stack.api.post<Monitor>(
        '/api/v1/monitors',
        { name: 'Legacy', url: 'https://legacy.example.test/' },
        owner.accessToken,
      );
      assert.equal(unkeyed.status, 201);
      const short = `
version: 1
monitors:
  - key: search
    name: Search
    url: https://search.example.test/
    expectedStatus: ["200", "3xx"]
    alertPolicy: { failuresToOpen: 2, windowSize: 4 }
`;
      const kept = await apply(short);
      assert.deepEqual(kept.body.delete, []);
      assert.equal((await monitorsOf()).length, 4);

      const pruned = await apply(short, { prune: true });
      assert.equal(pruned.status, 200, JSON.stringify(pruned.body));
      assert.deepEqual(pruned.body.delete.map((d) => d.key).sort(), ['checkout', 'status-page']);
      const left = await monitorsOf();
      assert.deepEqual(left.map((m) => m.key ?? m.name).sort(), ['Legacy', 'search']);
    });

    it('should adopt a monitor without a key whose method and URL a new key has', async () => {
      const text = await exportYaml();
      assert.match(text, /# key made up by the export/);
      const exported = parse(text) as { monitors: { key: string; name: string }[] };
      const legacy = exported.monitors.find((m) => m.name === 'Legacy')!;
      assert.match(legacy.key, /^legacy-[0-9a-f]{8}$/);
      const res = await apply(text);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(
        res.body.update.map((u) => [u.key, u.changes]),
        [[legacy.key, [{ field: 'key', from: null, to: legacy.key }]]],
      );
      assert.deepEqual((await apply(text)).body.unchanged.sort(), [legacy.key, 'search'].sort());
    });
  });

  describe('dns monitors of one name', () => {
    it('should keep one monitor per record type, adopting the unkeyed one of the same type', async () => {
      const user = await stack.api.newUser('config-dns');
      const unkeyed = await stack.api.post<Monitor>(
        '/api/v1/monitors',
        // Named regions: one left out would be filled with the live ones, a change of its own.
        {
          name: 'Old A',
          type: 'dns',
          url: 'dns://example.test',
          dns: { recordType: 'A' },
          regions: ['local'],
        },
        user.accessToken,
      );
      assert.equal(unkeyed.status, 201, JSON.stringify(unkeyed.body));
      const dnsDocument = `
version: 1
monitors:
  - { key: example-a, name: Old A, type: dns, url: "dns://example.test", dns: { recordType: A }, regions: [local] }
  - { key: example-mx, name: Mail, type: dns, url: "dns://example.test", dns: { recordType: MX } }
`;
      const res = await apply(dnsDocument, { user });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(
        res.body.create.map((c) => c.key),
        ['example-mx'],
      );
      assert.deepEqual(
        res.body.update.map((u) => [u.key, u.changes]),
        [['example-a', [{ field: 'key', from: null, to: 'example-a' }]]],
      );
      const stored = await monitorsOf(user);
      assert.deepEqual(stored.map((m) => [m.key, m.dns?.recordType]).sort(), [
        ['example-a', 'A'],
        ['example-mx', 'MX'],
      ]);
      assert.equal(stored.find((m) => m.key === 'example-a')?.id, unkeyed.body.id);
      // Stored objects come back with their keys in jsonb's order: still no change.
      const again = await apply(dnsDocument, { user });
      assert.deepEqual(again.body.unchanged.sort(), ['example-a', 'example-mx']);

      const twice = await apply(
        `${dnsDocument}  - { key: example-a2, name: A again, type: dns, url: "dns://example.test", dns: { recordType: A } }\n`,
        { user },
      );
      assert.equal(twice.status, 400, JSON.stringify(twice.body));
    });
  });

  describe('all or nothing', () => {
    it('should change nothing when one monitor conflicts with a monitor the document leaves alone', async () => {
      const user = await stack.api.newUser('config-conflict');
      const other = await stack.api.post<Monitor>(
        '/api/v1/monitors',
        { name: 'Taken', url: 'https://taken.example.test/', key: 'taken' },
        user.accessToken,
      );
      assert.equal(other.status, 201);
      const res = await apply<ProblemBody>(
        `version: 1
monitors:
  - key: fine
    name: Fine
    url: https://fine.example.test/
  - key: clash
    name: Clash
    url: https://taken.example.test/
`,
        { user },
      );
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.equal(res.body.errors?.[0]?.field, 'monitors[1].url');
      assert.equal(res.body.errors?.[0]?.line, 8);
      assert.deepEqual(
        (await monitorsOf(user)).map((m) => m.key),
        ['taken'],
      );
      assert.equal(await eventsOf(user), 1);
    });

    it('should change nothing when the document would pass the quota', async () => {
      const user = await stack.api.newUser('config-quota');
      const monitors = Array.from({ length: MAX_MONITORS + 1 }, (_, i) => ({
        key: `m${i}`,
        name: `M${i}`,
        url: `https://m${i}.example.test/`,
      }));
      const res = await apply<ProblemBody>(JSON.stringify({ version: 1, monitors }), {
        user,
        contentType: 'application/json',
      });
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.body.type, '/problems/quota-exceeded');
      assert.deepEqual(await monitorsOf(user), []);
      assert.equal(await eventsOf(user), 0);
    });
  });

  describe('invalid documents', () => {
    it('should answer YAML that does not parse with its line and column', async () => {
      const res = await apply<ProblemBody>('version: 1\nmonitors:\n  - key: a\n    name: [x\n');
      assert.equal(res.status, 400);
      assert.equal(typeof res.body.line, 'number');
      assert.equal(typeof res.body.column, 'number');
      assert.match(res.body.detail ?? '', /not valid YAML/);
    });

    it('should name an invalid field and its line', async () => {
      const res = await apply<ProblemBody>(`version: 1
monitors:
  - key: ok
    name: OK
    url: https://ok.example.test/
  - key: fast
    name: Too fast
    url: https://fast.example.test/
    intervalSeconds: 1
    colour: red
`);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(
        res.body.errors?.map(({ field, line }) => ({ field, line })),
        [
          { field: 'monitors[1].intervalSeconds', line: 9 },
          { field: 'monitors[1].colour', line: 10 },
        ],
      );
    });

    it('should name both monitors that share a key', async () => {
      const res = await apply<ProblemBody>(`version: 1
monitors:
  - key: twin
    name: One
    url: https://one.example.test/
  - key: twin
    name: Two
    url: https://two.example.test/
`);
      assert.equal(res.status, 400);
      const [error] = res.body.errors ?? [];
      assert.equal(error?.field, 'monitors[1].key');
      assert.match(error?.message ?? '', /monitors\[0\]/);
      assert.equal(error?.line, 6);
    });

    it('should refuse a channel name the team does not have, naming the field', async () => {
      const res = await apply<ProblemBody>(`version: 1
monitors:
  - key: with-channel
    name: With channel
    url: https://channel.example.test/
    channels: [ops, nowhere]
`);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(
        res.body.errors?.map(({ field }) => field),
        ['monitors[0].channels[1]'],
      );
      assert.equal(res.body.errors?.[0]?.line, 6);
    });

    it('should refuse a body that is neither JSON nor YAML', async () => {
      const res = await apply<ProblemBody>('version: 1', { contentType: 'text/plain' });
      assert.equal(res.status, 415);
    });

    it('should refuse a document larger than 1 MB', async () => {
      const res = await apply<ProblemBody>(`# ${'x'.repeat(1_100_000)}\nversion: 1\n`);
      assert.equal(res.status, 413);
    });
  });

  describe('JSON and the schema', () => {
    it('should apply a JSON document as it applies YAML', async () => {
      const user = await stack.api.newUser('config-json');
      const body = JSON.stringify({
        version: 1,
        monitors: [{ key: 'api', name: 'API', url: 'https://api.example.test/' }],
      });
      const first = await apply(body, { user, contentType: 'application/json' });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual(
        first.body.create.map((c) => c.key),
        ['api'],
      );
      const again = await apply(body, { user, contentType: 'application/json' });
      assert.deepEqual(again.body.unchanged, ['api']);
    });

    it('should serve the JSON Schema without login, and the export should satisfy it', async () => {
      const res = await stack.api.get<Record<string, unknown>>('/api/v1/config/schema.json');
      assert.equal(res.status, 200);
      assert.equal(res.body.$schema, 'http://json-schema.org/draft-07/schema#');
      assert.match(String(res.body.$id), /\/api\/v1\/config\/schema\.json$/);
      assert.deepEqual(res.body.required, ['version']);
      const properties = res.body.properties as Record<string, { items?: { required?: string[] } }>;
      // url too, except on a heartbeat monitor: a rule across fields, checked on apply.
      assert.deepEqual(properties.monitors?.items?.required, ['key', 'name']);
      const exported = parse(await exportYaml()) as unknown;
      assert.ok(ConfigDocumentSchema.safeParse(exported).success);
      // What the schema says a document is, the API takes: the export round-trips as JSON too.
      const res2 = await apply(JSON.stringify(exported), { contentType: 'application/json' });
      assert.equal(res2.status, 200);
      assert.equal(res2.body.create.length + res2.body.update.length, 0);
    });
  });
});
