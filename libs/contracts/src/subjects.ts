/**
 * Every NATS subject and JetStream name the services use, defined once. Request/reply subjects
 * carry questions that need an answer now; stream subjects carry facts that must not be lost.
 */
export const RegistrySubjects = {
  register: 'registry.users.register',
  login: 'registry.auth.login',
  refresh: 'registry.auth.refresh',
  logout: 'registry.auth.logout',
  getUser: 'registry.users.get',
  createMonitor: 'registry.monitors.create',
  createMonitors: 'registry.monitors.create-many',
  listMonitors: 'registry.monitors.list',
  /** Id, name, URL and paused of an owner's monitors, in big pages: overviews such as the dashboard. */
  listMonitorSummaries: 'registry.monitors.summaries',
  getMonitor: 'registry.monitors.get',
  updateMonitor: 'registry.monitors.update',
  deleteMonitor: 'registry.monitors.delete',
  pauseMonitor: 'registry.monitors.pause',
  resumeMonitor: 'registry.monitors.resume',
  /** Paged snapshot of every active monitor, for consumers that rebuild state at start. */
  listActiveMonitors: 'registry.monitors.active',
  /** A channel was deleted: drop it from every monitor of its owner. */
  removeChannel: 'registry.monitors.remove-channel',
} as const;

export type RegistrySubject = (typeof RegistrySubjects)[keyof typeof RegistrySubjects];

/** Queue groups: replicas of one service share a group so each request is answered once. */
export const QueueGroups = {
  registry: 'monitor-registry',
  metrics: 'metrics',
  notifier: 'notifier',
} as const;

/** A JetStream stream as the services declare it; `ensureStream` in the bus lib creates it. */
export interface StreamDefinition {
  readonly name: string;
  readonly subjectPrefix: string;
  readonly subjects: readonly string[];
  /** `workqueue`: a message is gone once acked; `limits`: kept for `maxAgeNanos`, each consumer has its own cursor. */
  readonly retention: 'limits' | 'workqueue';
  /** JetStream drops a re-published message with the same id inside this window. */
  readonly duplicateWindowNanos: number;
  readonly maxAgeNanos: number;
}

const MINUTE_NANOS = 60 * 1_000_000_000;

export const MonitorEventStream = {
  name: 'MONITOR_EVENTS',
  subjectPrefix: 'monitor.changed',
  subjects: ['monitor.changed.*'],
  retention: 'limits',
  duplicateWindowNanos: 2 * MINUTE_NANOS,
  maxAgeNanos: 30 * 24 * 60 * MINUTE_NANOS,
} as const satisfies StreamDefinition;

export function monitorEventSubject(kind: string): string {
  return `${MonitorEventStream.subjectPrefix}.${kind}`;
}

/** Probe jobs: a work queue, one subject per region; every prober of a region pulls from one consumer. */
export const ProbeJobStream = {
  name: 'PROBE_JOBS',
  subjectPrefix: 'probe.job',
  subjects: ['probe.job.*'],
  retention: 'workqueue',
  duplicateWindowNanos: 2 * MINUTE_NANOS,
  maxAgeNanos: 24 * 60 * MINUTE_NANOS,
} as const satisfies StreamDefinition;

export function probeJobSubject(region: string): string {
  return `${ProbeJobStream.subjectPrefix}.${region}`;
}

export function proberConsumerName(region: string): string {
  return `probers-${region}`;
}

/** Check results: kept for a day, each consumer (metrics, notifier) with its own durable cursor. */
export const CheckResultStream = {
  name: 'CHECK_RESULTS',
  subjectPrefix: 'check.result',
  subjects: ['check.result.*'],
  retention: 'limits',
  duplicateWindowNanos: 2 * MINUTE_NANOS,
  maxAgeNanos: 24 * 60 * MINUTE_NANOS,
} as const satisfies StreamDefinition;

export function checkResultSubject(region: string): string {
  return `${CheckResultStream.subjectPrefix}.${region}`;
}

export const MetricsSubjects = {
  listChecks: 'metrics.checks.list',
  deleteChecks: 'metrics.checks.delete',
  stats: 'metrics.stats',
  responseTimes: 'metrics.response-times',
  latest: 'metrics.latest',
} as const;

export const DurableConsumers = {
  metricsResults: 'metrics',
  metricsMonitorEvents: 'metrics-monitor-events',
  notifierResults: 'notifier',
  notifierMonitorEvents: 'notifier-monitor-events',
} as const;

/** The scheduler's leader lease, a NATS KV key that expires unless the leader renews it. */
export const SchedulerLease = { bucket: 'scheduler_lease', key: 'leader' } as const;
