import { ERROR_KINDS } from '@uptime/contracts';

const nullableNumber = { type: 'number', nullable: true };
const time = { type: 'string', format: 'date-time' };

export const CHECK_RESULT_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    monitorId: { type: 'string', format: 'uuid' },
    region: { type: 'string' },
    scheduledAt: time,
    startedAt: time,
    outcome: { type: 'string', enum: ['up', 'degraded', 'down'] },
    errorKind: {
      type: 'string',
      nullable: true,
      enum: [...ERROR_KINDS],
    },
    httpStatus: { type: 'integer', nullable: true },
    latencyMs: { type: 'number' },
    timings: {
      type: 'object',
      properties: {
        dnsMs: nullableNumber,
        connectMs: nullableNumber,
        tlsMs: nullableNumber,
        firstByteMs: nullableNumber,
        transferMs: nullableNumber,
      },
    },
    sizeBytes: { type: 'integer' },
    message: { type: 'string', nullable: true },
    certificateExpiresAt: { ...time, nullable: true },
    onDemand: { type: 'boolean' },
  },
};

export const CHECK_PAGE_SCHEMA = {
  type: 'object',
  properties: {
    items: { type: 'array', items: CHECK_RESULT_SCHEMA },
    nextCursor: { type: 'string', nullable: true },
  },
};

export const STATS_SCHEMA = {
  type: 'object',
  properties: {
    window: { type: 'string', enum: ['1h', '24h', '7d', '30d'] },
    totalChecks: { type: 'integer' },
    failedChecks: { type: 'integer' },
    uptimePercent: nullableNumber,
    avgLatencyMs: nullableNumber,
    p50: nullableNumber,
    p95: nullableNumber,
    p99: nullableNumber,
    currentStatus: { type: 'string', enum: ['pending', 'up', 'degraded', 'down'] },
    lastCheckedAt: { ...time, nullable: true },
    ongoingIncident: { type: 'object', nullable: true },
  },
};

export const RESPONSE_TIMES_SCHEMA = {
  type: 'object',
  properties: {
    bucket: { type: 'string', enum: ['1m', '5m', '15m', '1h', '1d'] },
    from: time,
    to: time,
    points: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          at: time,
          checks: { type: 'integer' },
          failures: { type: 'integer' },
          avgLatencyMs: nullableNumber,
          p95LatencyMs: nullableNumber,
        },
      },
    },
  },
};
