import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection, StringCodec } from 'nats';
import { freePort } from './free-port';
import { type EmbeddedNats, ensureNats, NATS_PID_FILE } from './nats-server';

const sc = StringCodec();
const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => existsSync(p));
const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server']
  .concat((process.env.PATH ?? '').split(':').map((d) => join(d, 'nats-server')))
  .find((p) => existsSync(p));

/**
 * The platform's own nats-server whose JetStream gets stuck by a failed store write, as on a full
 * disk, and comes back by the platform's restart. The write failure is real: the server's file
 * size limit (RLIMIT_FSIZE, set on its pid with prlimit) is lowered below its message block, so
 * its next write fails (EFBIG; nats-server ignores SIGXFSZ) as it would with ENOSPC, without
 * filling a disk. nats-server 2.9 then hangs every JetStream request; the new server the watch
 * starts has no such limit, as a disk with space again.
 */
describe(
  'the embedded nats-server whose JetStream stops answering',
  {
    skip: !PRLIMIT || !NATS_SERVER ? 'needs prlimit and nats-server' : false,
  },
  () => {
    let dataDir: string;
    let nats: EmbeddedNats | undefined;
    let nc: NatsConnection | undefined;
    const lines: string[] = [];

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'jetstream-watch-spec-'));
    });
    after(async () => {
      await nc?.close().catch(() => undefined);
      await nats?.stop(2_000);
      await rm(dataDir, { recursive: true, force: true });
    });

    it('should restart it on the same store once JetStream no longer answers', async () => {
      const url = `nats://127.0.0.1:${await freePort()}`;
      nats = await ensureNats(url, dataDir, (l) => lines.push(l), undefined, {
        everyMs: 500,
        timeoutMs: 1_000,
        failuresBeforeRestart: 3,
        firstBackoffMs: 5_000,
        maxBackoffMs: 20_000,
        minFreeBytes: 1024,
      });
      nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'KEPT', subjects: ['kept.>'] });
      const js = nc.jetstream();
      for (let i = 0; i < 10; i++) await js.publish('kept.a', sc.encode('x'.repeat(500)));
      assert.equal(nats.jetstream?.().available, true);

      const firstPid = Number((await readFile(join(dataDir, NATS_PID_FILE), 'utf8')).trim());
      const block = await messageBlock(dataDir, 'KEPT');
      execFileSync(PRLIMIT!, ['--pid', String(firstPid), `--fsize=${block + 100}:`]);
      // The next write crosses the limit: no ack, and JetStream as a whole stops answering.
      await assert.rejects(js.publish('kept.a', sc.encode('y'.repeat(500)), { timeout: 1_000 }));
      await assert.rejects(nc.request('$JS.API.INFO', undefined, { timeout: 1_000 }));

      // Unavailable within a probe or two, so the gateway's readiness says so...
      await waitUntil(
        'JetStream reported unavailable',
        () => !nats!.jetstream!().available,
        5_000,
        lines,
      );
      // ...then a restart after three failed probes, and JetStream answers with its streams.
      await waitUntil('the restart', () => nats!.jetstream!().restarts === 1, 15_000);
      await waitUntil('JetStream available again', () => nats!.jetstream!().available, 15_000);
      const secondPid = Number((await readFile(join(dataDir, NATS_PID_FILE), 'utf8')).trim());
      assert.notEqual(secondPid, firstPid);
      const info = await jsm.streams.info('KEPT');
      assert.ok(info.state.messages >= 10, `the stream kept ${info.state.messages} messages`);
      const ack = await js.publish('kept.a', sc.encode('after'), { timeout: 5_000 });
      assert.equal(ack.stream, 'KEPT');

      assert.ok(lines.some((l) => /JetStream of the embedded nats-server does not answer/.test(l)));
      assert.ok(
        lines.some((l) => /restarting the nats-server on the same store \(restart 1;/.test(l)),
      );
      assert.ok(lines.some((l) => /JetStream answers again after \d+ s unavailable/.test(l)));
      // A restart asked for is not a crash: no "exited unexpectedly", no second restart.
      assert.ok(!lines.some((l) => /exited unexpectedly/.test(l)), lines.join('\n'));
      assert.equal(nats.jetstream!().restarts, 1);
    });
  },
);

/** The size of the stream's current message block (the file the next write appends to). */
async function messageBlock(dataDir: string, stream: string): Promise<number> {
  const dir = join(dataDir, 'nats', 'jetstream', '$G', 'streams', stream, 'msgs');
  const blocks = (await readdir(dir)).filter((f) => f.endsWith('.blk')).sort();
  return (await stat(join(dir, blocks.at(-1)!))).size;
}

async function waitUntil(
  what: string,
  done: () => boolean,
  ms: number,
  log: string[] = [],
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms\n${log.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
