import { z } from 'zod';
import type { CheckAssertion, CheckResult } from './checks';

/**
 * What a heartbeat (push) monitor is made of: the job it watches calls its ping URL, and a ping
 * missing for a period and its grace is a `down` result. Its settings, its token, the KV bucket
 * that carries ping times from the gateway to the scheduler's deadline keeper, and the results
 * both publish, defined once here so the two agree.
 */

export const MIN_HEARTBEAT_PERIOD_SECONDS = 10;
/** 31 days: a monthly job. */
export const MAX_HEARTBEAT_PERIOD_SECONDS = 31 * 24 * 60 * 60;
/** A job may run late by up to a week beyond its period (a weekly job's slow run). */
export const MAX_HEARTBEAT_GRACE_SECONDS = 7 * 24 * 60 * 60;

export const HeartbeatSettingsSchema = z
  .object({
    periodSeconds: z
      .number({ message: 'must be a number' })
      .int('must be a whole number of seconds')
      .min(MIN_HEARTBEAT_PERIOD_SECONDS, `must be at least ${MIN_HEARTBEAT_PERIOD_SECONDS} seconds`)
      .max(
        MAX_HEARTBEAT_PERIOD_SECONDS,
        `must be at most ${MAX_HEARTBEAT_PERIOD_SECONDS} seconds (31 days)`,
      )
      .meta({ description: 'How often the job pings, in seconds (10 s to 31 days).' }),
    graceSeconds: z
      .number({ message: 'must be a number' })
      .int('must be a whole number of seconds')
      .min(0, 'must be at least 0')
      .max(
        MAX_HEARTBEAT_GRACE_SECONDS,
        `must be at most ${MAX_HEARTBEAT_GRACE_SECONDS} seconds (7 days)`,
      )
      .default(0)
      .meta({
        description:
          'How late a ping may be before it counts as missed (0 s to 7 days; default 0).',
      }),
  })
  .strict()
  .meta({
    description:
      'For a heartbeat monitor only (required there): a ping is expected every `periodSeconds`; ' +
      'none for `periodSeconds + graceSeconds` stores a down result with errorKind `missed_heartbeat`.',
  });
export type HeartbeatSettings = z.output<typeof HeartbeatSettingsSchema>;

/** 24 random bytes in base64url: 192 bits, beyond guessing. */
export const PING_TOKEN_BYTES = 24;
export const PING_TOKEN_PATTERN = /^[A-Za-z0-9_-]{32}$/;

/** A heartbeat monitor checks no URL; its `url` names it, so the (owner, method, url) rule holds. */
export const HEARTBEAT_URL_PREFIX = 'heartbeat://';
export function heartbeatUrlOf(monitorId: string): string {
  return `${HEARTBEAT_URL_PREFIX}${monitorId}`;
}

/** The public URL a job pings: `<PUBLIC_URL>/ping/<token>`. */
export function pingUrlOf(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/ping/${token}`;
}

/** What a result of a push monitor carries as its region: it was not probed from anywhere. */
export const PUSH_REGION = 'push';

/** `registry.heartbeats.resolve`: which monitor a ping token belongs to. */
export const ResolvePingTokenRequestSchema = z
  .object({ token: z.string().regex(PING_TOKEN_PATTERN) })
  .strict();
export const PingTargetSchema = z.object({
  monitorId: z.uuid(),
  ownerId: z.uuid(),
  paused: z.boolean(),
});
export type PingTarget = z.output<typeof PingTargetSchema>;

/**
 * The KV bucket of ping times, written by the gateway (`ping.<monitorId>`, `start.<monitorId>`)
 * and by the scheduler's leader (`missed.<monitorId>`: how many periods since a base it has
 * reported), read by every scheduler. Keys expire when nobody writes them for longer than the
 * longest period and grace, the time a deleted monitor's keys may linger.
 */
export const HeartbeatBucket = {
  bucket: 'heartbeats',
  ttlMs: (MAX_HEARTBEAT_PERIOD_SECONDS + MAX_HEARTBEAT_GRACE_SECONDS + 24 * 60 * 60) * 1000,
  /** Three small keys per heartbeat monitor, each of one revision: far below this. */
  maxBytes: 256 * 1024 * 1024,
} as const;

export const heartbeatKeys = {
  ping: (monitorId: string) => `ping.${monitorId}`,
  start: (monitorId: string) => `start.${monitorId}`,
  missed: (monitorId: string) => `missed.${monitorId}`,
};

/** `ping.<id>` and `start.<id>`: when (epoch ms). */
export const HeartbeatMarkSchema = z.object({ at: z.number().int() });
export type HeartbeatMark = z.output<typeof HeartbeatMarkSchema>;
/** `missed.<id>`: counting from `base` (epoch ms), periods 1..`reported` are stored as missed. */
export const MissedHeartbeatsSchema = z.object({
  base: z.number().int(),
  reported: z.number().int().min(0),
});
export type MissedHeartbeats = z.output<typeof MissedHeartbeatsSchema>;

export type PingKind = 'ping' | 'start' | 'fail';

const NO_TIMINGS = {
  dnsMs: null,
  connectMs: null,
  tlsMs: null,
  firstByteMs: null,
  transferMs: null,
};

/** Longest part of a ping's body kept as its result's message. */
export const MAX_PING_MESSAGE_CHARS = 1000;

/**
 * The result of a ping (`up`) or a `/fail` (`down`, `reported_failure`): latency is the run's
 * duration when a `/start` came before it, else 0.
 */
export function pingResult(ping: {
  id: string;
  monitorId: string;
  ownerId: string;
  kind: 'ping' | 'fail';
  at: number;
  startedAt: number | null;
  message: string | null;
}): CheckResult {
  const failed = ping.kind === 'fail';
  const assertion: CheckAssertion = {
    type: 'heartbeat',
    expected: 'ping',
    actual: failed ? 'fail' : 'ping',
    passed: !failed,
  };
  return {
    id: ping.id,
    monitorId: ping.monitorId,
    ownerId: ping.ownerId,
    region: PUSH_REGION,
    scheduledAt: new Date(ping.at).toISOString(),
    startedAt: new Date(ping.startedAt ?? ping.at).toISOString(),
    outcome: failed ? 'down' : 'up',
    errorKind: failed ? 'reported_failure' : null,
    httpStatus: null,
    latencyMs: ping.startedAt === null ? 0 : Math.max(0, ping.at - ping.startedAt),
    timings: NO_TIMINGS,
    sizeBytes: 0,
    message: ping.message ?? (failed ? 'the job reported a failure' : 'ping received'),
    assertions: [assertion],
    certificateExpiresAt: null,
    onDemand: false,
    // The gateway keeps no calendar: a ping says the job ran, which no window makes news.
    inMaintenance: false,
  };
}

/** The `down` result for the k-th period missed since `base`, due at `deadline`. */
export function missedHeartbeatResult(miss: {
  id: string;
  monitorId: string;
  ownerId: string;
  settings: HeartbeatSettings;
  deadline: number;
  lastPingAt: number | null;
  /** The deadline fell in a maintenance window of the monitor: the miss alerts nobody. */
  inMaintenance: boolean;
}): CheckResult {
  const { periodSeconds, graceSeconds } = miss.settings;
  const at = new Date(miss.deadline).toISOString();
  return {
    id: miss.id,
    monitorId: miss.monitorId,
    ownerId: miss.ownerId,
    region: PUSH_REGION,
    scheduledAt: at,
    startedAt: at,
    outcome: 'down',
    errorKind: 'missed_heartbeat',
    httpStatus: null,
    latencyMs: 0,
    timings: NO_TIMINGS,
    sizeBytes: 0,
    message: `no ping within ${periodSeconds} s + ${graceSeconds} s grace`,
    assertions: [
      {
        type: 'heartbeat',
        expected: { periodSeconds, graceSeconds },
        actual: {
          lastPingAt: miss.lastPingAt === null ? null : new Date(miss.lastPingAt).toISOString(),
        },
        passed: false,
      },
    ],
    certificateExpiresAt: null,
    onDemand: false,
    inMaintenance: miss.inMaintenance,
  };
}
