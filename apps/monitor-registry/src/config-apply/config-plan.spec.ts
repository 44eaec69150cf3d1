import { RpcException } from '@nestjs/microservices';
import {
  type KeyedSpec,
  type MonitorSpec,
  monitorSpecFromCreate,
  type Problem,
} from '@uptime/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type OwnedMonitor, planConfig } from './config-plan';

const spec = (name: string, key: string | null, url = `https://${name}.example.test/`) =>
  monitorSpecFromCreate({ name, url, key });
const keyed = (name: string, key: string, url?: string): KeyedSpec =>
  ({ ...spec(name, key, url), key }) as KeyedSpec;
let ids = 0;
const owned = (s: MonitorSpec): OwnedMonitor => ({ id: `id-${++ids}`, spec: s });

describe('planConfig', () => {
  it('should create new keys, update changed ones, and leave the same ones alone', () => {
    const same = owned(spec('same', 'same'));
    const changed = owned(spec('changed', 'changed'));
    const plan = planConfig(
      [same, changed],
      [
        keyed('same', 'same'),
        { ...keyed('changed', 'changed'), paused: true },
        keyed('new', 'new'),
      ],
      false,
    );
    assert.deepEqual(
      plan.create.map((c) => c.key),
      ['new'],
    );
    assert.deepEqual(
      plan.update.map((u) => [u.monitor.id, u.changes]),
      [[changed.id, [{ field: 'paused', from: false, to: true }]]],
    );
    assert.deepEqual(plan.unchanged, ['same']);
    assert.deepEqual(plan.delete, []);
  });

  it('should adopt a monitor without a key that has the method and URL of a new key', () => {
    const legacy = owned(spec('legacy', null));
    const plan = planConfig([legacy], [keyed('legacy', 'legacy-1')], false);
    assert.deepEqual(plan.create, []);
    assert.deepEqual(
      plan.update.map((u) => [u.monitor.id, u.changes]),
      [[legacy.id, [{ field: 'key', from: null, to: 'legacy-1' }]]],
    );
  });

  it('should prune keyed monitors left out, never those without a key, and only when asked', () => {
    const gone = owned(spec('gone', 'gone'));
    const unkeyed = owned(spec('unkeyed', null));
    assert.deepEqual(planConfig([gone, unkeyed], [], false).delete, []);
    assert.deepEqual(
      planConfig([gone, unkeyed], [], true).delete.map((m) => m.id),
      [gone.id],
    );
  });

  it('should refuse a monitor whose method and URL one the document leaves alone has', () => {
    const other = owned(spec('other', 'other', 'https://taken.example.test/'));
    assert.throws(
      () => planConfig([other], [keyed('mine', 'mine', 'https://taken.example.test/')], false),
      (err: RpcException) => {
        const problem = err.getError() as Problem;
        return problem.status === 409 && problem.errors?.[0]?.field === 'monitors[0].url';
      },
    );
    // Pruned, the other monitor makes way: the document's monitor is created.
    const plan = planConfig([other], [keyed('mine', 'mine', 'https://taken.example.test/')], true);
    assert.deepEqual(
      plan.create.map((c) => c.key),
      ['mine'],
    );
  });

  it('should adopt the unkeyed dns monitor of the same record type, and create one for another type', () => {
    const dns = (name: string, key: string | null, recordType: 'A' | 'MX') =>
      monitorSpecFromCreate({
        name,
        key,
        type: 'dns',
        url: 'dns://example.test',
        dns: { recordType, resolver: null, expected: [] },
      });
    const a = owned(dns('a', null, 'A'));
    const plan = planConfig(
      [a],
      [
        { ...dns('mx', 'mx', 'MX'), key: 'mx' } as KeyedSpec,
        { ...dns('a', 'a', 'A'), key: 'a' } as KeyedSpec,
      ],
      false,
    );
    assert.deepEqual(
      plan.create.map((c) => c.key),
      ['mx'],
    );
    assert.deepEqual(
      plan.update.map((u) => [u.monitor.id, u.changes]),
      [[a.id, [{ field: 'key', from: null, to: 'a' }]]],
    );
    // Another MX left alone by the document clashes with the document's MX, not with its A.
    const mx = owned(dns('mx elsewhere', 'other', 'MX'));
    assert.throws(
      () => planConfig([mx], [{ ...dns('mx', 'mx', 'MX'), key: 'mx' } as KeyedSpec], false),
      (err: RpcException) => {
        const problem = err.getError() as Problem;
        return (
          problem.status === 409 &&
          problem.errors?.[0]?.message.startsWith('has the URL and record type of your monitor') ===
            true
        );
      },
    );
    assert.equal(
      planConfig([mx], [{ ...dns('a', 'a', 'A'), key: 'a' } as KeyedSpec], false).create.length,
      1,
    );
  });
});
