import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, JSONCodec, type NatsConnection, StorageType } from 'nats';
import { sweepTombstones, type TombstoneLog } from './tombstone-sweeper';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const codec = JSONCodec<unknown>();

describe('sweepTombstones on JetStream', () => {
  let nc: NatsConnection;
  const name = `SWEEPTEST_${randomUUID().slice(0, 8)}`;
  const prefix = `sweeptest.${name}`;

  /** A log like MAINTENANCE_EVENTS: the payload tells a tombstone (`gone: true`). */
  const log: TombstoneLog = {
    stream: name,
    filterSubject: `${prefix}.entity.*`,
    isTombstone: (m) => m.json<{ gone?: boolean }>().gone === true,
  };

  before(async () => {
    nc = await connect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({
      name,
      subjects: [`${prefix}.>`],
      storage: StorageType.Memory,
      max_msgs_per_subject: 1,
    });
  });

  after(async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(name).catch(() => undefined);
    await nc.close();
  });

  async function subjects(): Promise<Set<string>> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(name, { subjects_filter: '>' });
    return new Set(Object.keys(info.state.subjects ?? {}));
  }

  it('should purge every old tombstone past many purges and other subjects, and keep the rest', async () => {
    const js = nc.jetstream();
    // More than one read's worth, interleaved with live entities and subjects outside the log,
    // so a sweep that stops early (a short read, a stale count of what is left) leaves some.
    const old = 700;
    for (let i = 0; i < old; i++) {
      await js.publish(`${prefix}.entity.old-${i}`, codec.encode({ gone: true }));
      if (i % 7 === 0)
        await js.publish(`${prefix}.entity.live-${i}`, codec.encode({ gone: false }));
      if (i % 5 === 0) await js.publish(`${prefix}.other.${i}`, codec.encode({ gone: true }));
    }
    await new Promise((r) => setTimeout(r, 30));
    const cutoff = new Date();
    await new Promise((r) => setTimeout(r, 30));
    for (let i = 0; i < 5; i++) {
      await js.publish(`${prefix}.entity.young-${i}`, codec.encode({ gone: true }));
    }

    assert.equal(await sweepTombstones(nc, cutoff, log), old);

    const left = await subjects();
    const oldLeft = [...left].filter((s) => s.includes('.entity.old-'));
    assert.deepEqual(oldLeft, []);
    assert.equal([...left].filter((s) => s.includes('.entity.live-')).length, 100);
    assert.equal([...left].filter((s) => s.includes('.other.')).length, 140);
    assert.equal([...left].filter((s) => s.includes('.entity.young-')).length, 5);
  });

  it('should sweep nothing when every tombstone is younger than the cut-off, or the stream is missing', async () => {
    const before = await subjects();
    assert.equal(await sweepTombstones(nc, new Date(0), log), 0);
    assert.deepEqual(await subjects(), before);
    assert.equal(await sweepTombstones(nc, new Date(), { ...log, stream: `${name}_MISSING` }), 0);
  });
});
