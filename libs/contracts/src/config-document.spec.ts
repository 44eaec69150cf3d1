import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigDocumentSchema,
  documentMonitorOf,
  MAX_DOCUMENT_MONITORS,
  monitorCreateOf,
  specChanges,
  validateConfigDocument,
  validateKeyedMonitors,
} from './config-document';
import { type MonitorSpec, monitorSpecFromCreate, validateMonitorCreateMany } from './monitor';

const CHANNEL = '7f1c3c1e-2f47-4d8e-9a53-0d6b0f7e6a11';

const plain = monitorSpecFromCreate({ name: 'Shop', url: 'https://shop.example.test/' });
const everything: MonitorSpec = {
  key: 'everything',
  name: 'Everything',
  type: 'http',
  url: 'https://api.example.test/orders?x=1',
  method: 'POST',
  headers: { 'X-Api-Key': 'k' },
  body: '{"ping":true}',
  intervalSeconds: 300,
  timeoutMs: 5000,
  expectedStatus: ['201', '3xx'],
  followRedirects: false,
  maxLatencyMs: 800,
  keyword: { value: 'ok', mode: 'absent' },
  assertions: [{ type: 'jsonPath', path: '$.status', operator: 'equals', value: 'up' }],
  dns: null,
  alertPolicy: {
    failuresToOpen: 2,
    windowSize: 3,
    successesToResolve: 2,
    alertOnDegraded: true,
    renotifyMinutes: 60,
    certificateExpiryDays: 30,
    escalation: [{ afterMinutes: 15, channelIds: [CHANNEL] }],
    regionQuorum: null,
    alertOnPartial: false,
  },
  channelIds: [CHANNEL],
  regions: ['eu-west'],
  paused: true,
  tls: null,
  heartbeat: null,
};
const tlsMonitor: MonitorSpec = {
  ...monitorSpecFromCreate({ name: 'Mail', url: 'tls://mail.example.test:465', type: 'tcp' }),
  key: 'mail',
  tls: { allowInvalidCertificate: true },
};

/** The spec a document monitor stands for, as `POST /monitors` would store it. */
function applied(document: unknown, channelIds: string[][] = []): MonitorSpec[] {
  const validated = validateConfigDocument(document);
  assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
  return validated.value.monitors.map((m, i) =>
    monitorSpecFromCreate(monitorCreateOf(m, channelIds[i] ?? [])),
  );
}

describe('config document', () => {
  it('should take a document with no monitors, and default the list', () => {
    assert.deepEqual(ConfigDocumentSchema.parse({ version: 1 }), { version: 1, monitors: [] });
  });

  it('should refuse another version, unknown sections and server fields, naming each', () => {
    const result = validateConfigDocument({
      version: 2,
      statusPages: [],
      monitors: [{ key: 'a', name: 'A', url: 'https://a.example.test/', id: 'x' }],
    });
    assert.ok(!result.ok);
    assert.deepEqual(result.errors.map((e) => e.field).sort(), [
      'monitors[0].id',
      'statusPages',
      'version',
    ]);
  });

  it('should require a key of the right form on every monitor', () => {
    const result = validateConfigDocument({
      version: 1,
      monitors: [
        { name: 'A', url: 'https://a.example.test/' },
        { key: 'Bad Key', name: 'B', url: 'https://b.example.test/' },
      ],
    });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((e) => [e.field, e.message]),
      [
        ['monitors[0].key', 'is required'],
        [
          'monitors[1].key',
          'must be 1 to 100 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
        ],
      ],
    );
  });

  it('should name both monitors that share a key, or a method and URL', () => {
    const result = validateConfigDocument({
      version: 1,
      monitors: [
        { key: 'a', name: 'A', url: 'https://a.example.test/' },
        { key: 'a', name: 'B', url: 'https://b.example.test/' },
        { key: 'c', name: 'C', url: 'https://a.example.test/' },
      ],
    });
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, [
      {
        field: 'monitors[1].key',
        message: '"a" is also the key of monitors[0]; keys must be unique',
      },
      { field: 'monitors[2].url', message: 'has the same method and URL as monitors[0]' },
    ]);
  });

  it('should take dns monitors of one name with different record types, not the same one twice', () => {
    const dns = (key: string, recordType: string) => ({
      key,
      name: key,
      type: 'dns',
      url: 'dns://example.test',
      dns: { recordType },
    });
    const distinct = validateConfigDocument({
      version: 1,
      monitors: [dns('a', 'A'), dns('mx', 'MX'), dns('txt', 'TXT')],
    });
    assert.ok(distinct.ok, JSON.stringify(distinct));
    const repeated = validateConfigDocument({
      version: 1,
      monitors: [dns('a', 'A'), dns('mx', 'MX'), dns('a-again', 'A')],
    });
    assert.ok(!repeated.ok);
    assert.deepEqual(repeated.errors, [
      { field: 'monitors[2].url', message: 'has the same URL and record type as monitors[0]' },
    ]);
  });

  it("should check each monitor's cross-field rules after defaults, by path", () => {
    const result = validateConfigDocument({
      version: 1,
      monitors: [
        {
          key: 'a',
          name: 'A',
          url: 'https://a.example.test/',
          intervalSeconds: 10,
          timeoutMs: 20_000,
        },
      ],
    });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((e) => e.field),
      ['monitors[0].timeoutMs'],
    );
  });

  it(`should take at most ${MAX_DOCUMENT_MONITORS} monitors`, () => {
    const monitors = Array.from({ length: MAX_DOCUMENT_MONITORS + 1 }, (_, i) => ({
      key: `m${i}`,
      name: `M${i}`,
      url: `https://m${i}.example.test/`,
    }));
    const result = validateConfigDocument({ version: 1, monitors });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((e) => e.field),
      ['monitors'],
    );
  });

  it('should take channels as exported, and ignore them for monitors', () => {
    const result = validateConfigDocument({
      version: 1,
      channels: [{ name: 'ops', type: 'webhook', config: { url: 'https://hooks.example.test/' } }],
    });
    assert.ok(result.ok);
  });
});

const dnsMonitor: MonitorSpec = {
  ...plain,
  key: 'mail',
  type: 'dns',
  url: 'dns://example.test',
  dns: { recordType: 'MX', resolver: '192.0.2.53:53', expected: ['mx.example.test'] },
};

describe('documentMonitorOf', () => {
  it('should state a plain monitor by key, name, url and interval only', () => {
    assert.deepEqual(documentMonitorOf(plain, 'shop', []), {
      key: 'shop',
      name: 'Shop',
      url: 'https://shop.example.test/',
      intervalSeconds: 60,
    });
  });

  it('should give back exactly the spec it was made from, whatever differs from defaults', () => {
    for (const [spec, channels] of [
      [{ ...plain, key: 'shop' }, []],
      [everything, ['ops']],
      [{ ...everything, keyword: { value: 'ok', mode: 'present' as const } }, ['ops']],
      [{ ...plain, key: 'policy', alertPolicy: { ...plain.alertPolicy, windowSize: 5 } }, []],
      [{ ...plain, key: 'short', intervalSeconds: 10, timeoutMs: 8000 }, []],
      [tlsMonitor, []],
      [dnsMonitor, []],
    ] as const) {
      const document = {
        version: 1,
        monitors: [documentMonitorOf(spec, spec.key!, [...channels])],
      };
      const [back] = applied(document, [channels.length ? [CHANNEL] : []]);
      assert.deepEqual(back, spec, spec.key!);
      assert.deepEqual(specChanges(spec, back!), [], spec.key!);
    }
  });

  it('should state a dns monitor by its type and dns settings, no HTTP field', () => {
    const spec = validateKeyedMonitors([
      {
        key: 'mail',
        name: 'Mail',
        type: 'dns',
        url: 'dns://example.test',
        dns: { recordType: 'MX' },
      },
    ]);
    assert.ok(spec.ok);
    assert.deepEqual(documentMonitorOf(spec.value[0]!, 'mail', []), {
      key: 'mail',
      name: 'Mail',
      url: 'dns://example.test',
      type: 'dns',
      intervalSeconds: 60,
      dns: { recordType: 'MX', resolver: null, expected: [] },
    });
  });

  it('should write a keyword to look for in its short form', () => {
    const spec = { ...plain, keyword: { value: 'ok', mode: 'present' as const } };
    assert.equal(documentMonitorOf(spec, 'k', []).keyword, 'ok');
  });
});

describe('specChanges', () => {
  it('should see no change in objects stored with their keys in another order (jsonb)', () => {
    const stored: MonitorSpec = {
      ...dnsMonitor,
      dns: { expected: ['mx.example.test'], resolver: '192.0.2.53:53', recordType: 'MX' },
      keyword: { mode: 'present', value: 'ok' },
      headers: { b: '2', a: '1' },
    };
    const wanted: MonitorSpec = {
      ...dnsMonitor,
      keyword: { value: 'ok', mode: 'present' },
      headers: { a: '1', b: '2' },
    };
    assert.deepEqual(specChanges(stored, wanted), []);
    assert.deepEqual(
      specChanges(stored, { ...wanted, dns: { ...wanted.dns!, recordType: 'TXT' } }).map(
        (c) => c.field,
      ),
      ['dns'],
    );
  });

  it('should list each changed field, alert policy field by field', () => {
    const next: MonitorSpec = {
      ...plain,
      key: 'shop',
      intervalSeconds: 120,
      alertPolicy: { ...plain.alertPolicy, windowSize: 3 },
    };
    assert.deepEqual(specChanges(plain, next), [
      { field: 'key', from: null, to: 'shop' },
      { field: 'intervalSeconds', from: 60, to: 120 },
      { field: 'alertPolicy.windowSize', from: 1, to: 3 },
    ]);
  });

  it('should compare escalation steps as values: equal lists are no change', () => {
    const steps = (minutes: number) => [{ afterMinutes: minutes, channelIds: [CHANNEL] }];
    const current = { ...plain, alertPolicy: { ...plain.alertPolicy, escalation: steps(10) } };
    const same = { ...plain, alertPolicy: { ...plain.alertPolicy, escalation: steps(10) } };
    const later = { ...plain, alertPolicy: { ...plain.alertPolicy, escalation: steps(20) } };
    assert.deepEqual(specChanges(current, same), []);
    assert.deepEqual(specChanges(current, later), [
      { field: 'alertPolicy.escalation', from: steps(10), to: steps(20) },
    ]);
  });

  it('should leave an empty escalation out of an exported monitor', () => {
    const exported = documentMonitorOf(plain, 'shop', []);
    assert.equal(exported.alertPolicy, undefined);
  });
});

describe('validateKeyedMonitors', () => {
  it('should refuse only a repeated dns record type on one name, as the bulk create does', () => {
    const dns = (key: string, recordType: string) => ({
      key,
      name: key,
      type: 'dns',
      url: 'dns://Example.test.',
      dns: { recordType },
    });
    assert.ok(validateKeyedMonitors([dns('a', 'A'), dns('mx', 'MX')]).ok);
    const bulk = validateMonitorCreateMany({ monitors: [dns('a', 'A'), dns('mx', 'MX')] });
    assert.ok(bulk.ok, JSON.stringify(bulk));
    for (const result of [
      validateKeyedMonitors([dns('a', 'A'), dns('a2', 'A')]),
      validateMonitorCreateMany({ monitors: [dns('a', 'A'), dns('a2', 'A')] }),
    ]) {
      assert.ok(!result.ok);
      assert.deepEqual(result.errors, [
        { field: 'monitors[1].url', message: 'has the same URL and record type as monitors[0]' },
      ]);
    }
  });

  it('should check each monitor as POST /monitors does, and require its key', () => {
    const result = validateKeyedMonitors([
      { name: 'A', url: 'https://a.example.test/' },
      { key: 'b', name: 'B', url: 'ftp://b.example.test/' },
    ]);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((e) => e.field),
      ['monitors[0].key', 'monitors[1].url'],
    );
  });
});
