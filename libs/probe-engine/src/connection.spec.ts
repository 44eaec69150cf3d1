import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TargetPolicy } from '@uptime/target-guard';
import { CheckDeadline } from './check-deadline';
import { CheckFailure, explainFailure } from './check-failure';
import { openConnection } from './connection';
import { PhaseTimeline } from './phase-timeline';

const LOCAL = { targets: new TargetPolicy({ allowPrivate: true }) };

/** The connection set-up on its own, as a TCP or TLS check (not HTTP) will call it. */
describe('openConnection', () => {
  let server: Server;
  let silent: Server;
  let port: number;
  let silentPort: number;

  async function listen(server: Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  before(async () => {
    server = createServer((socket) => socket.end());
    // Reading what arrives lets it see the client hang up, so close() can finish.
    silent = createServer((socket) => socket.resume());
    port = await listen(server);
    silentPort = await listen(silent);
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('should open a plain TCP connection and time the DNS and connect phases only', async () => {
    const deadline = new CheckDeadline(5000, undefined);
    const phases = new PhaseTimeline();
    try {
      const connection = await openConnection(
        { host: '127.0.0.1', port, tls: null },
        LOCAL,
        deadline,
        phases,
      );
      assert.equal(connection.socket.remotePort, port);
      assert.equal(connection.certificateExpiresAt, null);
      assert.equal(phases.phase, 'connect');
      assert.equal(phases.timings.dnsMs, 0, 'an IP literal needs no lookup');
      assert.equal(typeof phases.timings.connectMs, 'number');
      assert.equal(phases.timings.tlsMs, null);
    } finally {
      await deadline.dispose(false);
    }
  });

  it('should refuse an address the policy does not allow, before connecting', async () => {
    const deadline = new CheckDeadline(5000, undefined);
    const phases = new PhaseTimeline();
    const dialled = openConnection(
      { host: '127.0.0.1', port, tls: null },
      { targets: TargetPolicy.PUBLIC_ONLY },
      deadline,
      phases,
    );
    await assert.rejects(
      dialled,
      (err) => err instanceof CheckFailure && err.kind === 'blocked_target',
    );
    assert.equal(phases.timings.connectMs, null);
    await deadline.dispose(false);
  });

  it('should end a handshake cut short by the deadline as a timeout naming the phase', async () => {
    // The server accepts and never answers, so the TLS handshake waits until the deadline.
    const deadline = new CheckDeadline(100, undefined);
    const phases = new PhaseTimeline();
    const endpoint = { host: '127.0.0.1', port: silentPort, tls: { alpn: [] } };
    const err: unknown = await openConnection(endpoint, LOCAL, deadline, phases).then(
      () => assert.fail('a silent server completed a handshake'),
      (e: unknown) => e,
    );
    await deadline.dispose(false);
    assert.equal(typeof phases.timings.connectMs, 'number');
    assert.deepEqual(explainFailure(err, deadline, phases.phase), {
      kind: 'timeout',
      message: 'timed out after 100 ms during the TLS handshake',
      assertions: [{ type: 'latency', target: 'tls', expected: 100, passed: false }],
    });
  });
});
