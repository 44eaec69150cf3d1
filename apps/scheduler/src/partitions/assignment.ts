import { partitionOf } from '@uptime/contracts';

/**
 * Which live scheduler should hold each partition: every scheduler computes the same answer
 * from the same members, so nobody negotiates. Balanced (each holds ⌊P/M⌋ or ⌈P/M⌉) and sticky
 * like rendezvous hashing: partition p prefers the members in the order of a hash of (p, member)
 * and goes to the first that still has room, so a member that joins or leaves moves about P/M
 * partitions, not all of them.
 */
export function assignPartitions(partitions: number, members: Iterable<string>): string[] {
  const sorted = [...new Set(members)].sort();
  if (sorted.length === 0) return [];
  const base = Math.floor(partitions / sorted.length);
  const extra = partitions % sorted.length;
  const room = new Map(sorted.map((member, i) => [member, base + (i < extra ? 1 : 0)]));
  const owners: string[] = [];
  for (let p = 0; p < partitions; p++) {
    let best: string | undefined;
    let bestScore = -1;
    for (const member of sorted) {
      if (room.get(member)! === 0) continue;
      const score = partitionOf(`${p}/${member}`, 0x7fffffff);
      if (score > bestScore) [best, bestScore] = [member, score];
    }
    room.set(best!, room.get(best!)! - 1);
    owners.push(best!);
  }
  return owners;
}
