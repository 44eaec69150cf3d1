import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckAssertion } from '@uptime/contracts';
import {
  type AlertCause,
  type AlertMessage,
  alertState,
  describeCause,
  formatDuration,
  formatUtc,
  subjectLine,
} from './alert-message';
import { sampleAlert } from './test-support';

const degradedIncident: AlertMessage['incident'] = {
  ...sampleAlert().incident!,
  cause: {
    outcome: 'degraded',
    errorKind: null,
    httpStatus: 200,
    latencyMs: 1820,
    assertions: [{ type: 'latency', expected: 1000, actual: 1820, passed: false }],
  },
};

/** A partial incident of a monitor checked from three regions: one failed, two were needed. */
const partialIncident: AlertMessage['incident'] = {
  ...sampleAlert().incident!,
  kind: 'partial',
  cause: {
    outcome: 'down',
    errorKind: 'http_status',
    httpStatus: 503,
    latencyMs: 40,
    assertions: [{ type: 'status', expected: ['200-299'], actual: 503, passed: false }],
    regions: [
      { region: 'ap-south', outcome: 'up', errorKind: null },
      { region: 'eu-west', outcome: 'down', errorKind: 'prober_error' },
      { region: 'us-east', outcome: 'down', errorKind: 'http_status' },
    ],
    quorum: 2,
  },
};

describe('subjectLine', () => {
  const cases: [string, Partial<AlertMessage>, string][] = [
    [
      'a partial alert, naming the failing regions but not a prober error',
      { kind: 'partial', incident: partialIncident },
      '[PARTIAL] Checkout API is failing in us-east (1 of 3 regions, 2 needed)',
    ],
    [
      'a reminder of a partial incident',
      { kind: 'reminder', durationMs: 600_000, incident: partialIncident },
      '[REMINDER] Checkout API is still partially down (since 10m)',
    ],
    ['a down alert', { kind: 'down' }, '[DOWN] Checkout API is down'],
    [
      'a degraded alert',
      { kind: 'degraded', incident: degradedIncident },
      '[DEGRADED] Checkout API is degraded (slow responses)',
    ],
    [
      'a recovery with its duration',
      { kind: 'up', durationMs: 252_000 },
      '[UP] Checkout API is back up after 4m 12s',
    ],
    ['a recovery without a duration', { kind: 'up' }, '[UP] Checkout API is back up'],
    ['a channel test', { kind: 'test', incident: null }, '[TEST] Test alert for Checkout API'],
    [
      'a reminder of a down incident',
      { kind: 'reminder', durationMs: 600_000 },
      '[REMINDER] Checkout API is still down (since 10m)',
    ],
    [
      'a reminder of a degraded incident',
      { kind: 'reminder', durationMs: 3_900_000, incident: degradedIncident },
      '[REMINDER] Checkout API is still degraded (since 1h 5m)',
    ],
    [
      'an escalated down alert',
      { kind: 'down', escalation: { step: 2, afterMinutes: 90 } },
      '[DOWN] Checkout API is down (escalation step 2, after 1h 30m)',
    ],
    [
      'a name with line breaks, kept on one line',
      { monitor: { id: 'm', name: 'Checkout\r\nBcc: x@evil.test', url: 'https://a.test' } },
      '[DOWN] Checkout Bcc: x@evil.test is down',
    ],
  ];
  for (const [what, overrides, expected] of cases) {
    it(`should write ${what} as ${JSON.stringify(expected)}`, () => {
      assert.equal(subjectLine(sampleAlert(overrides)), expected);
    });
  }

  it('should read a reminder as the state its incident opened with', () => {
    assert.equal(alertState(sampleAlert({ kind: 'reminder' })), 'down');
    assert.equal(
      alertState(sampleAlert({ kind: 'reminder', incident: degradedIncident })),
      'degraded',
    );
    assert.equal(alertState(sampleAlert({ kind: 'up' })), 'up');
  });
});

describe('describeCause', () => {
  const cause = (c: Partial<AlertCause>): AlertCause => ({
    outcome: 'down',
    errorKind: null,
    httpStatus: null,
    latencyMs: 0,
    assertions: [],
    ...c,
  });
  const failed = (a: Omit<CheckAssertion, 'passed'>): CheckAssertion[] => [{ ...a, passed: false }];
  const cases: [string, AlertCause | null, string][] = [
    ['no cause', null, 'no cause recorded'],
    [
      'a status mismatch with the expected range',
      cause({
        errorKind: 'http_status',
        httpStatus: 503,
        assertions: failed({ type: 'status', expected: ['200-299', '301'], actual: 503 }),
      }),
      'HTTP status 503, expected 200-299, 301',
    ],
    [
      'a status recorded before assertions existed',
      cause({ errorKind: 'http_status', httpStatus: 404, assertions: undefined }),
      'HTTP status 404',
    ],
    [
      'an unparseable response',
      cause({ errorKind: 'http_status', httpStatus: null }),
      'invalid HTTP response',
    ],
    [
      'a slow check with its limit',
      cause({
        outcome: 'degraded',
        latencyMs: 1820.4,
        assertions: failed({ type: 'latency', expected: 1000, actual: 1820.4 }),
      }),
      'latency 1820 ms above the limit of 1000 ms',
    ],
    [
      'a timeout with its phase',
      cause({
        errorKind: 'timeout',
        latencyMs: 10_003,
        assertions: failed({ type: 'latency', target: 'response', expected: 10_000 }),
      }),
      'timeout: no answer within 10000 ms (waiting for the response)',
    ],
    [
      'a timeout without assertions',
      cause({ errorKind: 'timeout', latencyMs: 5000 }),
      'timeout: no answer within 5000 ms',
    ],
    [
      'a missing keyword',
      cause({
        errorKind: 'keyword',
        assertions: failed({
          type: 'keyword',
          target: 'present',
          expected: 'ok',
          actual: 'not found',
        }),
      }),
      "keyword 'ok' missing",
    ],
    [
      'a keyword that must be absent',
      cause({
        errorKind: 'keyword',
        assertions: failed({
          type: 'keyword',
          target: 'absent',
          expected: 'error',
          actual: 'found',
        }),
      }),
      "keyword 'error' present but must be absent",
    ],
    [
      'failed JSON path assertions, the first named',
      cause({
        errorKind: 'assertion',
        assertions: [
          { type: 'status', expected: ['200-299'], actual: 200, passed: true },
          ...failed({
            type: 'json_path',
            target: '$.status',
            expected: { operator: 'equals', value: 'ok' },
            actual: 'fail',
          }),
          ...failed({ type: 'json_path', target: '$.db', expected: { operator: 'exists' } }),
        ],
      }),
      'assertion failed: $.status equals "ok", actual "fail" (and 1 more)',
    ],
    [
      'a DNS failure with its code in words',
      cause({
        errorKind: 'dns',
        assertions: failed({ type: 'connect', target: 'api.test', actual: 'ENOTFOUND' }),
      }),
      'DNS lookup of api.test failed: no such host (ENOTFOUND)',
    ],
    [
      "a dns monitor's failed query with the resolver's answer in words",
      cause({
        errorKind: 'dns',
        assertions: failed({
          type: 'dns_answer',
          target: 'MX',
          expected: ['mail.example.test'],
          actual: 'ESERVFAIL',
        }),
      }),
      'DNS query for MX records failed: server failure (SERVFAIL)',
    ],
    [
      "a dns monitor's answers without an expected value",
      cause({
        errorKind: 'assertion',
        assertions: failed({
          type: 'dns_answer',
          target: 'A',
          expected: ['192.0.2.10'],
          actual: ['192.0.2.99'],
        }),
      }),
      'DNS A answers ["192.0.2.99"] lack an expected value of ["192.0.2.10"]',
    ],
    [
      'a refused connection',
      cause({
        errorKind: 'connect',
        assertions: failed({ type: 'connect', target: '10.0.0.1:443', actual: 'ECONNREFUSED' }),
      }),
      'could not connect to 10.0.0.1:443: connection refused (ECONNREFUSED)',
    ],
    [
      'a TLS failure with an unknown code as is',
      cause({
        errorKind: 'tls',
        assertions: failed({ type: 'tls', target: 'api.test', actual: 'ERR_SSL_WEIRD' }),
      }),
      'TLS handshake with api.test failed: ERR_SSL_WEIRD',
    ],
    ['a refused connection without detail', cause({ errorKind: 'connect' }), 'connection failed'],
    ['a TLS failure without detail', cause({ errorKind: 'tls' }), 'TLS handshake failed'],
    ['a redirect loop', cause({ errorKind: 'too_many_redirects' }), 'too many redirects'],
    [
      'a missed heartbeat from its assertion',
      cause({
        errorKind: 'missed_heartbeat',
        assertions: failed({
          type: 'heartbeat',
          expected: { periodSeconds: 300, graceSeconds: 60 },
          actual: { lastPingAt: '2026-12-02T10:00:00.000Z' },
        }),
      }),
      'no ping within 300 s + 60 s grace (last ping 2026-12-02 10:00:00 UTC)',
    ],
    [
      'a heartbeat never pinged',
      cause({
        errorKind: 'missed_heartbeat',
        assertions: failed({
          type: 'heartbeat',
          expected: { periodSeconds: 10, graceSeconds: 0 },
          actual: { lastPingAt: null },
        }),
      }),
      'no ping within 10 s + 0 s grace (no ping yet)',
    ],
    [
      'a missed heartbeat without detail',
      cause({ errorKind: 'missed_heartbeat' }),
      'no ping within the expected period',
    ],
    [
      'a failure the job reported',
      cause({ errorKind: 'reported_failure' }),
      'the job reported a failure (/fail)',
    ],
  ];
  for (const [what, input, expected] of cases) {
    it(`should name ${what} as ${JSON.stringify(expected)}`, () => {
      assert.equal(describeCause(input), expected);
    });
  }

  it('should ignore a message left on a cause stored before alerts stopped reading it', () => {
    const stored = { ...cause({ errorKind: 'http_status', httpStatus: 503 }), message: 'reworded' };
    assert.equal(describeCause(stored), 'HTTP status 503');
  });
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [400, '0s'],
    [45_000, '45s'],
    [252_000, '4m 12s'],
    [600_000, '10m'],
    [3_600_000, '1h'],
    [3_725_000, '1h 2m'],
    [90_061_000, '1d 1h'],
  ];
  for (const [ms, expected] of cases) {
    it(`should show ${ms} ms as ${expected}`, () => {
      assert.equal(formatDuration(ms), expected);
    });
  }

  it('should show a time in UTC and leave a malformed one as it is', () => {
    assert.equal(formatUtc('2025-03-01T13:00:00+01:00'), '2025-03-01 12:00:00 UTC');
    assert.equal(formatUtc('yesterday'), 'yesterday');
  });
});

describe('certificate alerts', () => {
  const certificateIncident: AlertMessage['incident'] = {
    ...sampleAlert().incident!,
    kind: 'certificate',
    cause: {
      outcome: 'up',
      errorKind: null,
      httpStatus: 200,
      latencyMs: 40,
      assertions: [],
      certificateExpiresAt: '2025-03-09T12:00:00.000Z',
    },
  };

  it('should name the expiry date and the days left', () => {
    const message = sampleAlert({ kind: 'certificate', incident: certificateIncident });
    assert.equal(
      subjectLine(message),
      '[CERTIFICATE] Checkout API: certificate expires 2025-03-09 12:00:00 UTC (in 8 days)',
    );
    assert.equal(alertState(message), 'certificate');
    assert.equal(
      describeCause(certificateIncident.cause),
      'certificate expires 2025-03-09 12:00:00 UTC',
    );
  });

  it('should say a certificate already expired', () => {
    const message = sampleAlert({
      kind: 'certificate',
      incident: certificateIncident,
      occurredAt: '2025-03-10T00:00:00.000Z',
    });
    assert.equal(
      subjectLine(message),
      '[CERTIFICATE] Checkout API: certificate expired 2025-03-09 12:00:00 UTC',
    );
  });

  it('should read a resolved certificate incident as renewed', () => {
    const message = sampleAlert({ kind: 'up', incident: certificateIncident, durationMs: 60_000 });
    assert.equal(subjectLine(message), '[UP] Checkout API: certificate renewed');
  });
});

describe('describeCause of a slot across regions', () => {
  it('should add the failing regions and the quorum to the failed check', () => {
    assert.equal(
      describeCause(partialIncident!.cause),
      'HTTP status 503, expected 200-299; failing in us-east (1 of 3 regions, 2 needed)',
    );
  });
});
