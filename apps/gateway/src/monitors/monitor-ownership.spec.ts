import { BusClient } from '@uptime/bus';
import { monitorEventSubject, RegistrySubjects } from '@uptime/contracts';
import { connect, JSONCodec, type Msg, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { NATS_URL } from '../../../../test/support/services';
import { waitFor } from '../../../../test/support/wait-for';
import { MonitorOwnership, type OwnershipLimits } from './monitor-ownership';

const packets = JSONCodec<{ id: string; data: { ownerId: string; monitorId: string } }>();
const replies = JSONCodec();

/**
 * Stands in for the registry on the real NATS, speaking Nest's request/reply packets, so a test
 * decides when each ownership lookup is answered. Every monitor is owned by whoever asks.
 */
class HeldRegistry {
  readonly asked: string[] = [];
  private readonly waiting: Msg[] = [];
  hold = false;

  constructor(private readonly nc: NatsConnection) {
    nc.subscribe(RegistrySubjects.getMonitor, { callback: (_, m) => this.onRequest(m) });
  }

  private onRequest(m: Msg): void {
    this.asked.push(packets.decode(m.data).data.monitorId);
    if (this.hold) this.waiting.push(m);
    else this.answer(m);
  }

  /** Answers the lookups held so far. */
  release(): void {
    for (const m of this.waiting.splice(0)) this.answer(m);
  }

  private answer(m: Msg): void {
    const { id, data } = packets.decode(m.data);
    m.respond(replies.encode({ id, isDisposed: true, response: { id: data.monitorId } }));
  }
}

describe('MonitorOwnership', () => {
  let nc: NatsConnection;
  let registryNc: NatsConnection;
  let registry: HeldRegistry;
  let client: BusClient;
  const teamId = randomUUID();
  let clock = Date.parse('2026-03-01T12:00:00Z');
  const limits: OwnershipLimits = { ttlMs: 60_000, maxRemembered: 2, now: () => clock };

  before(async () => {
    nc = await connect({ servers: NATS_URL });
    registryNc = await connect({ servers: NATS_URL });
    registry = new HeldRegistry(registryNc);
    await registryNc.flush();
    client = BusClient.connect(NATS_URL, 'ownership-spec', 2000);
  });
  after(async () => {
    await client?.close();
    await registryNc?.close();
    await nc?.close();
  });
  beforeEach(() => {
    registry.asked.length = 0;
    registry.hold = false;
  });

  async function started(): Promise<MonitorOwnership> {
    const ownership = new MonitorOwnership(client, nc, limits);
    ownership.onModuleInit();
    await nc.flush();
    return ownership;
  }

  it('should ask the registry once, then answer from memory', async () => {
    const ownership = await started();
    const id = randomUUID();
    await ownership.assertOwned(teamId, id);
    await ownership.assertOwned(teamId, id);
    assert.deepEqual(registry.asked, [id]);
    ownership.onModuleDestroy();
  });

  it('should not remember an owner looked up while a deletion of the monitor was heard', async () => {
    const ownership = await started();
    const id = randomUUID();
    registry.hold = true;
    const lookup = ownership.assertOwned(teamId, id);
    await waitFor('the lookup reaching the registry', () => registry.asked.length === 1);
    // The deletion, published on the ownership's own connection: once flushed it has been heard.
    nc.publish(monitorEventSubject('deleted', id), JSONCodec().encode({ monitorId: id }));
    await nc.flush();
    registry.release();
    await lookup;
    registry.hold = false;
    // Before the guard, the answer fetched across the deletion was remembered and trusted.
    await ownership.assertOwned(teamId, id);
    assert.deepEqual(registry.asked, [id, id]);
    ownership.onModuleDestroy();
  });

  it('should trust an answer for its time to live and ask again after', async () => {
    const ownership = await started();
    const id = randomUUID();
    await ownership.assertOwned(teamId, id);
    clock += limits.ttlMs - 1;
    await ownership.assertOwned(teamId, id);
    assert.equal(registry.asked.length, 1, 'still within its time to live');
    clock += 1;
    await ownership.assertOwned(teamId, id);
    assert.equal(registry.asked.length, 2, 'expired at its time to live');
    ownership.onModuleDestroy();
  });

  it('should remember a bounded number of monitors, forgetting the oldest first', async () => {
    const ownership = await started();
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of [a, b, c]) await ownership.assertOwned(teamId, id);
    registry.asked.length = 0;
    await ownership.assertOwned(teamId, c);
    await ownership.assertOwned(teamId, b);
    assert.deepEqual(registry.asked, [], 'the two newest are remembered');
    await ownership.assertOwned(teamId, a);
    assert.deepEqual(registry.asked, [a], 'the oldest was evicted');
    ownership.onModuleDestroy();
  });
});
