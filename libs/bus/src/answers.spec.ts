import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type Monitor, RegistrySubjects, type User } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BusClient, ProblemError } from './bus-client';
import { Answers, NatsResponder } from './rpc';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

const asked: string[] = [];

function userOf(userId: string): User {
  return { id: userId, email: 'someone@example.test', createdAt: '2026-01-01T00:00:00.000Z' };
}

/** Answers one real subject the way the registry does, through the real Nest NATS transport. */
@Controller()
class UserDirectory {
  @Answers(RegistrySubjects.getUser)
  get(req: { userId: string }): User {
    asked.push(req.userId);
    return userOf(req.userId);
  }
}

@Module({ controllers: [UserDirectory] })
class UserDirectoryModule {}

async function refusal(request: Promise<unknown>): Promise<ProblemError> {
  const err = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProblemError, String(err));
  return err;
}

/**
 * `@Answers` and `BusClient.request` take a subject's request and reply from `RequestContracts`:
 * the lines marked `@ts-expect-error` fail the build if they compile, and the ones that run show
 * the handler's payload is checked against the same contract on receipt.
 */
describe('Answers', () => {
  let app: INestMicroservice;
  let client: BusClient;

  before(async () => {
    app = await NestFactory.createMicroservice(UserDirectoryModule, {
      strategy: new NatsResponder(NATS_URL, `answers-spec-${randomUUID().slice(0, 8)}`),
      logger: false,
    });
    await app.listen();
    client = BusClient.connect(NATS_URL, 'answers-spec', 2000);
  });
  after(async () => {
    await client?.close();
    await app?.close();
  });

  it("should hand the handler the request and the asker the handler's reply", async () => {
    const userId = randomUUID();
    const user: User = await client.request(RegistrySubjects.getUser, { userId });
    assert.deepEqual(user, userOf(userId));
    assert.ok(asked.includes(userId));
  });

  it("should answer a request its subject's schema refuses with a 400, the handler not called", async () => {
    const before = asked.length;
    const err = await refusal(client.request(RegistrySubjects.getUser, { userId: 'not-a-uuid' }));
    assert.equal(err.problem.status, 400);
    assert.deepEqual(
      err.problem.errors?.map((e) => e.field),
      ['userId'],
    );
    assert.equal(asked.length, before);
  });

  it("should refuse another subject's request at compile time and on receipt", async () => {
    const err = await refusal(
      // @ts-expect-error a monitor lookup is not a user lookup
      client.request(RegistrySubjects.getUser, { ownerId: randomUUID(), monitorId: randomUUID() }),
    );
    assert.equal(err.problem.status, 400);
  });

  it('should type the reply and the subject by the contract (checked when the build compiles)', () => {
    const typed = () => {
      // @ts-expect-error a user lookup answers a User, not a Monitor
      const monitor: Promise<Monitor> = client.request(RegistrySubjects.getUser, { userId: '' });
      // @ts-expect-error a field of the request is missing
      void client.request(RegistrySubjects.getMonitor, { ownerId: '' });
      // @ts-expect-error no contract has this subject
      void client.request('registry.users.gone', {});
      return monitor;
    };
    assert.equal(typeof typed, 'function');
  });

  it("should refuse a handler whose request or reply is not its subject's (checked when the build compiles)", () => {
    class Mismatched {
      // @ts-expect-error the handler takes a monitor lookup on the user lookup subject
      @Answers(RegistrySubjects.getUser)
      wrongRequest(req: { monitorId: string }): User {
        return userOf(req.monitorId);
      }

      // @ts-expect-error the handler answers a Monitor where a User is due
      @Answers(RegistrySubjects.getUser)
      wrongReply(req: { userId: string }): Promise<Monitor> {
        return Promise.reject(new Error(req.userId));
      }
    }
    assert.equal(typeof Mismatched, 'function');
  });
});
