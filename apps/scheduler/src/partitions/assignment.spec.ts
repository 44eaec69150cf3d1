import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignPartitions } from './assignment';

const count = (owners: string[]) =>
  owners.reduce((m, o) => m.set(o, (m.get(o) ?? 0) + 1), new Map<string, number>());
const moved = (a: string[], b: string[]) => a.filter((owner, p) => b[p] !== owner).length;

describe('assignPartitions', () => {
  it('should give every partition to one member, each ⌊P/M⌋ or ⌈P/M⌉', () => {
    for (const members of [['a'], ['a', 'b'], ['a', 'b', 'c'], ['s1', 's2', 's3', 's4', 's5']]) {
      const owners = assignPartitions(64, members);
      assert.equal(owners.length, 64);
      const counts = [...count(owners).values()];
      assert.equal(counts.length, members.length);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `balanced: ${counts.join(',')}`);
    }
  });

  it('should answer the same whatever the order members are listed in', () => {
    assert.deepEqual(assignPartitions(64, ['c', 'a', 'b']), assignPartitions(64, ['a', 'b', 'c']));
  });

  it('should move few partitions when a member joins or leaves', () => {
    const three = assignPartitions(64, ['a', 'b', 'c']);
    const four = assignPartitions(64, ['a', 'b', 'c', 'd']);
    const two = assignPartitions(64, ['a', 'b']);
    assert.ok(moved(three, four) <= 64 / 4 + 8, `join moved ${moved(three, four)}`);
    assert.ok(moved(three, two) <= 64 / 3 + 8, `leave moved ${moved(three, two)}`);
    // What a member keeps when another leaves, it keeps: only the leaver's partitions move far.
    assert.ok(four.filter((o) => o === 'd').length >= 15);
  });

  it('should hand nothing out without members', () => {
    assert.deepEqual(assignPartitions(64, []), []);
  });
});
