import { Entity, MikroORM, PrimaryKey, Property } from '@mikro-orm/postgresql';
import { ensureStream } from '@uptime/bus';
import type { StreamDefinition } from '@uptime/contracts';
import { connect, JSONCodec, type NatsConnection, type Subscription } from 'nats';
import { Registry } from 'prom-client';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { waitFor } from '../../../test/support/wait-for';
import { schemaOwnerOptions } from './orm-options';
import { OutboxRelay, PUBLISHED_RETENTION_MS } from './outbox-relay';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const codec = JSONCodec<{ n: number }>();

@Entity({ tableName: 'outbox' })
class TestOutboxRow {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  seq!: string;

  @Property({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'json' })
  payload!: { n: number; padding?: string };

  @Property({ type: 'datetime', nullable: true })
  publishedAt: Date | null = null;
}

describe(OutboxRelay.name, () => {
  const run = randomUUID().slice(0, 8);
  const stream: StreamDefinition = {
    name: `OUTBOX_TEST_${run}`,
    subjectPrefix: `outboxtest.${run}`,
    subjects: [`outboxtest.${run}.*`],
    retention: 'limits',
    duplicateWindowNanos: 60_000_000_000,
    maxAgeNanos: 3_600_000_000_000,
    maxBytes: { variable: 'OUTBOX_TEST_MAX_MB', defaultMiB: 1, description: 'test stream' },
    discard: 'new',
    maxMsgsPerSubject: 0,
  };
  let db: TestDatabase;
  let orm: MikroORM;
  let nc: NatsConnection;

  class TestOutboxRelay extends OutboxRelay<TestOutboxRow> {
    protected readonly outbox = {
      entity: TestOutboxRow,
      stream,
      failuresMetric: 'failures',
      droppedMetric: 'dropped',
    };

    protected subject(): string {
      return `${stream.subjectPrefix}.n`;
    }
  }
  /** A relay with a metrics registry of its own, as each app has. */
  const relay = (telemetry = new Registry()) => new TestOutboxRelay(orm, nc, telemetry);
  const counted = async (telemetry: Registry, name: string) =>
    (await telemetry.getSingleMetric(name)!.get()).values[0]!.value;

  /** Commits rows as an app's transaction would: each new row waits for the relay. */
  const commit = async (from: number, count: number, padding?: string) => {
    const em = orm.em.fork();
    for (let n = from; n < from + count; n++) {
      const row = new TestOutboxRow();
      row.eventId = randomUUID();
      row.payload = padding ? { n, padding } : { n };
      em.persist(row);
    }
    await em.flush();
  };

  /** Every publish the relays make, including any the stream would drop as a duplicate. */
  const listen = (): { seen: number[]; subscription: Subscription } => {
    const seen: number[] = [];
    const subscription = nc.subscribe(`${stream.subjectPrefix}.*`, {
      callback: (_err, msg) => seen.push(codec.decode(msg.data).n),
    });
    return { seen, subscription };
  };

  const unpublished = async () => orm.em.fork().count(TestOutboxRow, { publishedAt: null });

  before(async () => {
    db = await createTestDatabase();
    orm = await MikroORM.init(
      schemaOwnerOptions(db.url, {
        schema: 'outbox_test',
        entities: [TestOutboxRow],
        migrations: [],
      }),
    );
    await orm.schema.createSchema();
    nc = await connect({ servers: NATS_URL });
  });
  beforeEach(async () => {
    await orm.em.fork().nativeDelete(TestOutboxRow, {});
  });
  after(async () => {
    await (await nc?.jetstreamManager())?.streams.delete(stream.name).catch(() => undefined);
    await nc?.close();
    await orm?.close();
    await db?.drop();
  });

  it('should publish committed rows in commit order, once each, and mark them published', async () => {
    const one = relay();
    const { seen, subscription } = listen();
    await commit(0, 450);
    await one.start();
    try {
      await waitFor('every row published', async () => (await unpublished()) === 0);
    } finally {
      await one.stop();
      subscription.unsubscribe();
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 450 }, (_, n) => n),
    );
  });

  it('should delete published rows past their retention and never an unpublished one', async () => {
    const one = relay();
    await commit(0, 20);
    await one.start();
    try {
      await waitFor('every row published', async () => (await unpublished()) === 0);
      await commit(20, 5);
      await one.stop();
      const rows = () => orm.em.fork().count(TestOutboxRow, {});
      assert.equal(await one.prune(), 0, 'rows published just now are kept');
      assert.equal(await rows(), 25);
      const later = new Date(Date.now() + PUBLISHED_RETENTION_MS + 60_000);
      assert.equal(await one.prune(later), 20, 'the published rows go once past retention');
      assert.equal(await rows(), 5);
      assert.equal(await unpublished(), 5, 'the rows still to publish stay');
    } finally {
      await one.stop();
    }
  });

  it('should let replicas share the table without publishing any row twice', async () => {
    const replicas = [relay(), relay(), relay()];
    const { seen, subscription } = listen();
    await Promise.all(replicas.map((r) => r.start()));
    try {
      await commit(0, 300);
      for (const r of replicas) r.kick();
      await commit(300, 300);
      for (const r of replicas) r.kick();
      await waitFor('every row published', async () => (await unpublished()) === 0);
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
      subscription.unsubscribe();
    }
    assert.equal(seen.length, 600);
    assert.equal(new Set(seen).size, 600);
  });

  it('should keep rows while no stream takes them, count the failed passes, and publish them once one does', async () => {
    const telemetry = new Registry();
    const one = relay(telemetry);
    await one.start();
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(stream.name);
      await commit(0, 5);
      one.kick();
      // The relay's own count says a pass over these rows has ended (and failed): judge after it.
      await waitFor(
        'the failed pass counted',
        async () => (await counted(telemetry, 'failures')) >= 1,
      );
      assert.equal(await unpublished(), 5, 'nothing is marked published that no stream stored');
      await ensureStream(jsm, stream);
      await waitFor('the sweep to publish them', async () => (await unpublished()) === 0, 5000);
      assert.equal((await jsm.streams.info(stream.name)).state.messages, 5);
    } finally {
      await one.stop();
    }
  });

  it('should mark no row of a page the stream took only part of, and store the page once, in commit order, when it takes all', async () => {
    const telemetry = new Registry();
    const one = relay(telemetry);
    const jsm = await nc.jetstreamManager();
    await jsm.streams.purge(stream.name);
    const { config } = await jsm.streams.info(stream.name);
    // Room for 3 of the page's 6 messages: the 4th publish of the pass is refused.
    await jsm.streams.update(stream.name, { ...config, max_msgs: 3 });
    try {
      await commit(0, 6);
      await one.start();
      await waitFor(
        'the failed pass counted',
        async () => (await counted(telemetry, 'failures')) >= 1,
      );
      assert.equal(
        await unpublished(),
        6,
        'no row is marked while an earlier or later one of its page failed',
      );
      assert.equal((await jsm.streams.info(stream.name)).state.messages, 3, 'the stream took part');
      await jsm.streams.update(stream.name, { ...config, max_msgs: -1 });
      await waitFor('the sweep to publish them', async () => (await unpublished()) === 0, 5000);
    } finally {
      await one.stop();
      await jsm.streams.update(stream.name, config);
    }
    const { state } = await jsm.streams.info(stream.name);
    const stored: number[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq; seq++)
      stored.push((await jsm.streams.getMessage(stream.name, { seq })).json<{ n: number }>().n);
    assert.deepEqual(
      stored,
      [0, 1, 2, 3, 4, 5],
      'each row once (repeats dropped by event id), in commit order',
    );
  });

  it('should drop, count and get past a row no message can carry', async () => {
    const telemetry = new Registry();
    const one = relay(telemetry);
    const jsm = await nc.jetstreamManager();
    const { config } = await jsm.streams.info(stream.name);
    await jsm.streams.update(stream.name, { ...config, max_msg_size: 4096 });
    const { seen, subscription } = listen();
    try {
      await commit(0, 1, 'x'.repeat(8192));
      await commit(1, 1);
      await one.start();
      await waitFor('both rows handled', async () => (await unpublished()) === 0);
    } finally {
      await one.stop();
      subscription.unsubscribe();
      await jsm.streams.update(stream.name, config);
    }
    assert.equal(await counted(telemetry, 'dropped'), 1);
    const last = await jsm.streams.getMessage(stream.name, {
      last_by_subj: `${stream.subjectPrefix}.n`,
    });
    assert.equal(last.json<{ n: number }>().n, 1, 'the row after it was published');
    assert.ok(seen.includes(1));
  });
});
