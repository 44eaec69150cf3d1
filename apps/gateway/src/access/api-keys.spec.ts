import { BusClient, ProblemError } from '@uptime/bus';
import {
  type ApiKeyIdentity,
  apiKeyHash,
  RegistryApiKeySubjects,
  RegistryNotices,
} from '@uptime/contracts';
import { freePort } from '@uptime/embedded';
import { connect, Events, JSONCodec, type Msg, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { NATS_URL } from '../../../../test/support/services';
import { waitFor } from '../../../../test/support/wait-for';
import { ApiKeys, USE_REPORT_INTERVAL_MS } from './api-keys';
import type { RememberLimits } from './remembered-answers';

const packets = JSONCodec<{ id: string; data: { keyHash?: string; keyId?: string } }>();
const replies = JSONCodec();

/**
 * Stands in for the registry on the real NATS, speaking Nest's request/reply packets: it knows
 * the keys a test gives it (by hash) and counts what it is asked.
 */
class KeyRegistry {
  readonly verified: string[] = [];
  readonly used: string[] = [];
  readonly keys = new Map<string, ApiKeyIdentity>();

  constructor(nc: NatsConnection) {
    nc.subscribe(RegistryApiKeySubjects.verify, { callback: (_, m) => this.verify(m) });
    nc.subscribe(RegistryApiKeySubjects.used, { callback: (_, m) => this.use(m) });
  }

  private verify(m: Msg): void {
    const { id, data } = packets.decode(m.data);
    this.verified.push(data.keyHash!);
    const key = this.keys.get(data.keyHash!);
    const answer = key
      ? { id, isDisposed: true, response: key }
      : { id, isDisposed: true, err: { type: '/problems/unauthorized', title: 'x', status: 401 } };
    m.respond(replies.encode(answer));
  }

  private use(m: Msg): void {
    const { id, data } = packets.decode(m.data);
    this.used.push(data.keyId!);
    m.respond(replies.encode({ id, isDisposed: true, response: { ok: true } }));
  }
}

describe('ApiKeys', () => {
  let nc: NatsConnection;
  let registryNc: NatsConnection;
  let registry: KeyRegistry;
  let client: BusClient;
  let clock = Date.parse('2026-03-01T12:00:00Z');
  const limits: RememberLimits = { ttlMs: 30_000, maxRemembered: 100, now: () => clock };

  before(async () => {
    nc = await connect({ servers: NATS_URL });
    registryNc = await connect({ servers: NATS_URL });
    registry = new KeyRegistry(registryNc);
    await registryNc.flush();
    client = BusClient.connect(NATS_URL, 'api-keys-spec', 2000);
  });
  after(async () => {
    await client?.close();
    await registryNc?.close();
    await nc?.close();
  });
  beforeEach(() => {
    registry.verified.length = 0;
    registry.used.length = 0;
  });

  async function started(): Promise<ApiKeys> {
    const keys = new ApiKeys(client, nc, limits);
    keys.onModuleInit();
    await nc.flush();
    return keys;
  }

  /** A key the registry knows, in a team of its own. */
  function newKey(expiresAt: string | null = null): { key: string; identity: ApiKeyIdentity } {
    const key = `upk_${randomBytes(32).toString('base64url')}`;
    const identity = {
      keyId: randomUUID(),
      teamId: randomUUID(),
      role: 'editor' as const,
      expiresAt,
    };
    registry.keys.set(apiKeyHash(key), identity);
    return { key, identity };
  }

  async function notice(subject: string, payload: unknown): Promise<void> {
    nc.publish(subject, typeof payload === 'string' ? payload : JSON.stringify(payload));
    await nc.flush();
  }

  const refused = (err: unknown) => err instanceof ProblemError && err.problem.status === 401;

  it('should ask the registry once by hash, then answer from memory', async () => {
    const keys = await started();
    const { key, identity } = newKey();
    const caller = await keys.callerOf(key);
    await keys.callerOf(key);
    assert.deepEqual(caller, {
      kind: 'api-key',
      keyId: identity.keyId,
      teamId: identity.teamId,
      role: 'editor',
    });
    assert.deepEqual(registry.verified, [apiKeyHash(key)]);
    keys.onModuleDestroy();
  });

  it('should refuse what is not shaped like a key without asking, and never remember a refusal', async () => {
    const keys = await started();
    await assert.rejects(keys.callerOf('upk_short'), refused);
    assert.deepEqual(registry.verified, []);
    const unknown = `upk_${randomBytes(32).toString('base64url')}`;
    await assert.rejects(keys.callerOf(unknown), refused);
    await assert.rejects(keys.callerOf(unknown), refused);
    assert.equal(registry.verified.length, 2);
    keys.onModuleDestroy();
  });

  it('should forget a key when its revocation is heard', async () => {
    const keys = await started();
    const { key, identity } = newKey();
    const other = newKey();
    await keys.callerOf(key);
    await keys.callerOf(other.key);
    await notice(RegistryNotices.apiKeyRevoked, {
      keyId: identity.keyId,
      teamId: identity.teamId,
    });
    registry.keys.delete(apiKeyHash(key));
    await assert.rejects(keys.callerOf(key), refused);
    await keys.callerOf(other.key);
    assert.equal(registry.verified.filter((h) => h === apiKeyHash(other.key)).length, 1);
    keys.onModuleDestroy();
  });

  it("should forget a deleted team's keys, and keep them when only a member changed", async () => {
    const keys = await started();
    const { key, identity } = newKey();
    await keys.callerOf(key);
    await notice(RegistryNotices.teamAccessChanged, {
      teamId: identity.teamId,
      userId: randomUUID(),
    });
    await keys.callerOf(key);
    assert.equal(registry.verified.length, 1, 'a member change leaves keys alone');
    await notice(RegistryNotices.teamAccessChanged, { teamId: identity.teamId });
    await keys.callerOf(key);
    assert.equal(registry.verified.length, 2, 'the team is gone: asked again');
    keys.onModuleDestroy();
  });

  it('should forget every key on a notice it cannot read', async () => {
    const keys = await started();
    const { key } = newKey();
    await keys.callerOf(key);
    await notice(RegistryNotices.apiKeyRevoked, 'not json');
    await keys.callerOf(key);
    assert.equal(registry.verified.length, 2);
    keys.onModuleDestroy();
  });

  it('should refuse a remembered key once it has expired', async () => {
    const keys = await started();
    const { key } = newKey(new Date(clock + 5_000).toISOString());
    await keys.callerOf(key);
    clock += 5_000;
    await assert.rejects(keys.callerOf(key), refused);
    keys.onModuleDestroy();
  });

  it('should report a key’s use at most once a minute', async () => {
    const keys = await started();
    const { key, identity } = newKey();
    await keys.callerOf(key);
    await keys.callerOf(key);
    await waitFor('the use reported', () => registry.used.length === 1);
    clock += USE_REPORT_INTERVAL_MS - 1;
    await keys.callerOf(key);
    clock += 1;
    await keys.callerOf(key);
    await waitFor('the second report', () => registry.used.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(registry.used, [identity.keyId, identity.keyId]);
    keys.onModuleDestroy();
  });

  it('should forget every key when its connection comes back, as notices may have been lost', async () => {
    // Its own nats-server, to take away and bring back; the registry stays on the shared one.
    const port = await freePort();
    let server = await natsServer(port);
    const own = await connect({
      servers: `nats://127.0.0.1:${port}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    const keys = new ApiKeys(client, own, limits);
    try {
      keys.onModuleInit();
      const { key } = newKey();
      await keys.callerOf(key);
      const reconnected = (async () => {
        for await (const status of own.status()) if (status.type === Events.Reconnect) return;
      })();
      await stopChild(server);
      server = await natsServer(port);
      await reconnected;
      // Remembered for 30 s of a clock that stands still: only forgetting makes it ask again.
      await waitFor('the key asked again after the reconnect', async () => {
        await keys.callerOf(key);
        return registry.verified.length === 2;
      });
    } finally {
      keys.onModuleDestroy();
      await own.close();
      await stopChild(server);
    }
  });
});

async function natsServer(port: number): Promise<ChildProcess> {
  const server = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitFor('nats-server', async () => {
    const probe = await connect({ servers: `nats://127.0.0.1:${port}` }).catch(() => undefined);
    await probe?.close();
    return probe !== undefined;
  });
  return server;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
