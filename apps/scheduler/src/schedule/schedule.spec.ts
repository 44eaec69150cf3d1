import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { slotsBetween } from '@uptime/contracts';
import { monitorFixture } from '../../../../test/support/factories';
import { DueQueue } from './due-queue';
import { Schedule } from './schedule';
import { checkIdOf, nextSlot, phaseOf } from './slots';

describe('slots', () => {
  it('should place every slot of a monitor on its own phase, strictly after the given time', () => {
    const id = randomUUID();
    const interval = 60_000;
    const phase = phaseOf(id, interval);
    for (const after of [0, phase, phase + 1, 1_700_000_000_123]) {
      const slot = nextSlot(id, interval, after);
      assert.ok(slot > after && slot - after <= interval);
      assert.equal(((slot % interval) + interval) % interval, phase);
    }
  });

  it('should spread a thousand monitors created at once over their interval', () => {
    const interval = 60_000;
    const perSecond = new Array<number>(60).fill(0);
    for (let i = 0; i < 1000; i++)
      perSecond[Math.floor(nextSlot(randomUUID(), interval, 0) / 1000) % 60]!++;
    assert.ok(
      Math.max(...perSecond) < 40,
      `no second gets more than a few percent (got ${Math.max(...perSecond)})`,
    );
  });

  it('should derive the same check id for the same slot and a different one otherwise', () => {
    const id = randomUUID();
    assert.equal(checkIdOf(id, 'eu', 1000), checkIdOf(id, 'eu', 1000));
    assert.notEqual(checkIdOf(id, 'eu', 1000), checkIdOf(id, 'us', 1000));
    assert.notEqual(checkIdOf(id, 'eu', 1000), checkIdOf(id, 'eu', 2000));
    assert.match(
      checkIdOf(id, 'eu', 1000),
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe(DueQueue.name, () => {
  it('should pop due keys in time order and skip replaced or deleted ones', () => {
    const q = new DueQueue();
    q.set('a', 30);
    q.set('b', 10);
    q.set('c', 20);
    q.set('a', 5);
    q.delete('c');
    assert.equal(q.peek(), 5);
    assert.deepEqual(q.popDue(25), [
      { key: 'a', dueAt: 5 },
      { key: 'b', dueAt: 10 },
    ]);
    assert.equal(q.peek(), undefined);
    assert.equal(q.size, 0);
  });
});

describe(Schedule.name, () => {
  it('should hand out each due monitor once per slot and book its next slot', () => {
    const schedule = new Schedule();
    const m = monitorFixture({ intervalSeconds: 10 });
    schedule.upsert(m, 0);
    const first = schedule.nextDueAt()!;
    assert.deepEqual(schedule.takeDue(first - 1), []);
    const due = schedule.takeDue(first);
    assert.equal(due.length, 1);
    assert.equal(due[0]!.slotMs, first);
    assert.equal(schedule.nextDueAt(), first + 10_000);
  });

  it('should drop a paused monitor and take back a resumed one', () => {
    const schedule = new Schedule();
    const m = monitorFixture();
    schedule.upsert(m, 0);
    schedule.upsert({ ...m, paused: true, version: 2 }, 0);
    assert.equal(schedule.size, 0);
    assert.equal(schedule.nextDueAt(), undefined);
    schedule.upsert({ ...m, paused: false, version: 3 }, 0);
    assert.equal(schedule.size, 1);
  });

  it('should keep the slot when the interval is unchanged and move it when it changes', () => {
    const schedule = new Schedule();
    const m = monitorFixture({ intervalSeconds: 60 });
    schedule.upsert(m, 0);
    const slot = schedule.nextDueAt();
    schedule.upsert({ ...m, name: 'renamed', version: 2 }, 5000);
    assert.equal(schedule.nextDueAt(), slot);
    schedule.upsert({ ...m, intervalSeconds: 30, version: 3 }, 5000);
    assert.equal(schedule.nextDueAt(), nextSlot(m.id, 30_000, 5000));
  });

  it('should list the slots a stall left a whole interval behind and run the latest one', () => {
    const schedule = new Schedule();
    const m = monitorFixture({ intervalSeconds: 10 });
    schedule.upsert(m, 0);
    const first = schedule.nextDueAt()!;
    const [due] = schedule.takeDue(first + 35_000);
    assert.equal(due!.slotMs, first + 30_000, 'the latest slot still within an interval runs');
    assert.deepEqual(due!.missedSlots, [first, first + 10_000, first + 20_000]);
    assert.equal(due!.missedCount, 3);
    assert.equal(schedule.nextDueAt(), first + 40_000, 'the sequence goes on, no slot skipped');
  });

  it('should account for every slot of every monitor alike when it runs far behind', () => {
    const schedule = new Schedule();
    const monitors = Array.from({ length: 50 }, () => monitorFixture({ intervalSeconds: 10 }));
    for (const m of monitors) schedule.upsert(m, 0);
    // A dispatch only every 25 s: each monitor runs once per round and misses the rest.
    const runs = new Map<string, number>();
    const missed = new Map<string, number>();
    for (let now = 25_000; now <= 300_000; now += 25_000) {
      for (const d of schedule.takeDue(now)) {
        assert.ok(now - d.slotMs < 10_000, 'what runs is less than an interval late');
        runs.set(d.monitor.id, (runs.get(d.monitor.id) ?? 0) + 1);
        missed.set(d.monitor.id, (missed.get(d.monitor.id) ?? 0) + d.missedCount);
      }
    }
    for (const m of monitors) {
      assert.equal(runs.get(m.id), 12, 'every monitor runs in every round');
      assert.equal(
        runs.get(m.id)! + missed.get(m.id)!,
        slotsBetween(m.id, 10_000, 1, 300_001),
        'every slot is run or listed as missed',
      );
    }
  });

  it('should not list anything for a monitor taken on time', () => {
    const schedule = new Schedule();
    schedule.upsert(monitorFixture({ intervalSeconds: 10 }), 0);
    const [due] = schedule.takeDue(schedule.nextDueAt()! + 9_999);
    assert.deepEqual(due!.missedSlots, []);
  });
});
