import { z } from 'zod';

/**
 * Monitors are split into a fixed number of partitions by a hash of their id; each active
 * scheduler leases some of them in this NATS KV bucket and publishes jobs only for monitors of
 * the partitions it holds. Keys:
 * - `config`: the partition count, written once by the first scheduler; one with another count
 *   refuses to start (monitors would hash to other partitions).
 * - `member.<schedulerId>`: each running scheduler, rewritten every lease third (its heartbeat).
 * - `partition.<n>`: `{ owner, through }`, rewritten by its owner every lease third with a
 *   revision check; `through` is the last slot time up to which every job of the partition is
 *   published, so the next owner starts right after it.
 * No TTL decides liveness (entries are judged by how long since each last changed, on the
 * reader's own clock); `max_age` only removes what nobody wrote for a day.
 */
export const SchedulerPartitionBucket = {
  bucket: 'scheduler_partitions',
  maxAgeMs: 24 * 60 * 60 * 1000,
  configKey: 'config',
  memberPrefix: 'member.',
  partitionPrefix: 'partition.',
  defaultPartitions: 64,
  maxPartitions: 4096,
} as const;

export const schedulerPartitionKeys = {
  member: (schedulerId: string) => `${SchedulerPartitionBucket.memberPrefix}${schedulerId}`,
  partition: (n: number) => `${SchedulerPartitionBucket.partitionPrefix}${n}`,
};

/** A scheduler id usable as a KV key token. */
export const SCHEDULER_ID_PATTERN = /^[A-Za-z0-9_=-]{1,128}$/;

export const PartitionConfigSchema = z.object({ partitions: z.number().int().min(1) });
export type PartitionConfig = z.output<typeof PartitionConfigSchema>;

export const PartitionLeaseSchema = z.object({
  /** The scheduler publishing this partition's jobs; null once released. */
  owner: z.string().nullable(),
  /** Every slot at or before this time (epoch ms) is published; 0 before any owner published. */
  through: z.number().int().min(0),
});
export type PartitionLease = z.output<typeof PartitionLeaseSchema>;

export const SchedulerMemberSchema = z.object({ id: z.string(), partitions: z.number().int() });
export type SchedulerMember = z.output<typeof SchedulerMemberSchema>;

/**
 * The partition of a monitor: FNV-1a (32 bit) of its id, modulo the count. Cheap enough to ask
 * once per job, and the same in every app and every scheduler instance.
 */
export function partitionOf(monitorId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < monitorId.length; i++) {
    hash ^= monitorId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
