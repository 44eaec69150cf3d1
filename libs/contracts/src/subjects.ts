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
  /** Which of some ids (at most 100) are the owner's monitors: access checks of batch reads. */
  ownedMonitorIds: 'registry.monitors.owned-among',
  getMonitor: 'registry.monitors.get',
  updateMonitor: 'registry.monitors.update',
  deleteMonitor: 'registry.monitors.delete',
  pauseMonitor: 'registry.monitors.pause',
  resumeMonitor: 'registry.monitors.resume',
  /** Paged snapshot of every active monitor, for consumers that rebuild state at start. */
  listActiveMonitors: 'registry.monitors.active',
  /** A configuration document's monitors, planned (dry run) or applied in one transaction. */
  applyConfig: 'registry.config.apply',
  /** The heartbeat monitor of a ping token (the gateway's `/ping/{token}`); unknown: 404. */
  resolvePingToken: 'registry.heartbeats.resolve',
} as const;

export type RegistrySubject = (typeof RegistrySubjects)[keyof typeof RegistrySubjects];

/** Teams and their members; every subject names the team, the gateway has decided access. */
export const RegistryTeamSubjects = {
  /** The caller's role in a team (its personal team when none is named): the access guard's question. */
  access: 'registry.teams.access',
  create: 'registry.teams.create',
  list: 'registry.teams.list',
  get: 'registry.teams.get',
  update: 'registry.teams.update',
  delete: 'registry.teams.delete',
  listMembers: 'registry.teams.members.list',
  updateMember: 'registry.teams.members.update',
  removeMember: 'registry.teams.members.remove',
} as const;

/** API keys of a team; `verify` and `used` are the gateway's, for keys presented to it. */
export const RegistryApiKeySubjects = {
  create: 'registry.api-keys.create',
  list: 'registry.api-keys.list',
  delete: 'registry.api-keys.delete',
  /** Who a key is, asked by its hash: unknown or expired is a 401. */
  verify: 'registry.api-keys.verify',
  /** Records a key's last use; the gateway asks without waiting, at most once a minute per key. */
  used: 'registry.api-keys.used',
} as const;

/**
 * Invitations to a team. `create`, `list` and `revoke` name the team (the gateway decided access);
 * `peek` and the accepts name only the token, which is the proof.
 */
export const RegistryInvitationSubjects = {
  create: 'registry.invitations.create',
  list: 'registry.invitations.list',
  revoke: 'registry.invitations.revoke',
  /** Team, email and role of a pending invitation, for the link's page; unknown, used or expired: 404. */
  peek: 'registry.invitations.peek',
  /** A signed-in account joins; its email must be the invited one. */
  accept: 'registry.invitations.accept',
  /** Creates the invited email's account, joins it and starts its first session. */
  acceptWithAccount: 'registry.invitations.accept-with-account',
} as const;

/** Maintenance windows of a team; every subject names the team (`ownerId`). */
export const RegistryMaintenanceSubjects = {
  create: 'registry.maintenance-windows.create',
  list: 'registry.maintenance-windows.list',
  get: 'registry.maintenance-windows.get',
  update: 'registry.maintenance-windows.update',
  delete: 'registry.maintenance-windows.delete',
} as const;

/** Core NATS notices (no stream): losing one costs at most a cache's TTL, never data. */
export const RegistryNotices = {
  /**
   * `TeamAccessChanged`: every gateway forgets what it remembered of the team's access (and,
   * when no member is named, the team's API keys: the team is gone).
   */
  teamAccessChanged: 'registry.notices.team-access-changed',
  /** `ApiKeyRevoked`: every gateway forgets the key at once. */
  apiKeyRevoked: 'registry.notices.api-key-revoked',
  /**
   * `StatusPageChanged`: a page was created, changed or deleted; every gateway forgets what it
   * built under its slugs (old and new), so a page made private reads 404 at once everywhere.
   */
  statusPageChanged: 'registry.notices.status-page-changed',
} as const;

export const RegistryStatusPageSubjects = {
  create: 'registry.status-pages.create',
  list: 'registry.status-pages.list',
  get: 'registry.status-pages.get',
  update: 'registry.status-pages.update',
  delete: 'registry.status-pages.delete',
  /** A public page by slug, with its monitors' names (anyone's request: 404 unless public). */
  published: 'registry.status-pages.published',
  /** A monitor shown on a public page, for its badges (404 otherwise). */
  publicMonitor: 'registry.status-pages.public-monitor',
} as const;

export const MetricsSubjects = {
  listChecks: 'metrics.checks.list',
  deleteChecks: 'metrics.checks.delete',
  stats: 'metrics.stats',
  responseTimes: 'metrics.response-times',
  /** Several monitors' response times over one range (the dashboard's sparklines). */
  responseTimesMany: 'metrics.response-times.many',
  latest: 'metrics.latest',
  /** Counted checks of one monitor over a range, from the rollups (SLA reports). */
  checkTotals: 'metrics.check-totals',
  /** Checks and failures per UTC day for up to 100 monitors (status pages). */
  dailyUptime: 'metrics.daily-uptime',
  /** Slots expected, run and missed of one monitor in a range (`GET /monitors/{id}/coverage`). */
  coverage: 'metrics.coverage',
} as const;

export const NotifierSubjects = {
  listIncidents: 'notifier.incidents.list',
  /** The latest slot verdict of monitors with several regions (their `partial` status). */
  slotVerdicts: 'notifier.monitors.verdicts',
  /** `down` incidents of one monitor over a range: count, downtime, MTTR (SLA reports). */
  incidentSummary: 'notifier.incidents.summary',
  /** Recent incidents of a page's monitors, without their cause (public status pages). */
  recentIncidents: 'notifier.incidents.recent',
  /** The platform's region incidents (not a team's: the gateway lets only its operators ask). */
  listRegionIncidents: 'notifier.regions.incidents.list',
} as const;

export const NotifierChannelSubjects = {
  create: 'notifier.channels.create',
  list: 'notifier.channels.list',
  get: 'notifier.channels.get',
  update: 'notifier.channels.update',
  delete: 'notifier.channels.delete',
  test: 'notifier.channels.test',
  /** Every channel of a team, when the team is deleted. */
  deleteOwned: 'notifier.channels.delete-owned',
} as const;

/** Emails the notifier sends for the platform itself (not alerts), over its SMTP_URL. */
export const NotifierMailSubjects = {
  /** An invitation's link; without SMTP_URL: 503. */
  invitation: 'notifier.mail.invitation',
} as const;

export const NotifierAlertSubjects = {
  list: 'notifier.alerts.list',
  delete: 'notifier.alerts.delete',
} as const;

type ValueOf<T> = T[keyof T];

/** Every request/reply subject; `RequestContracts` (requests.ts) gives each its payload and reply. */
export type RequestSubject =
  | RegistrySubject
  | ValueOf<typeof RegistryTeamSubjects>
  | ValueOf<typeof RegistryApiKeySubjects>
  | ValueOf<typeof RegistryInvitationSubjects>
  | ValueOf<typeof RegistryMaintenanceSubjects>
  | ValueOf<typeof RegistryStatusPageSubjects>
  | ValueOf<typeof MetricsSubjects>
  | ValueOf<typeof NotifierSubjects>
  | ValueOf<typeof NotifierChannelSubjects>
  | ValueOf<typeof NotifierAlertSubjects>
  | ValueOf<typeof NotifierMailSubjects>;

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
  /** 0: no age limit. */
  readonly maxAgeNanos: number;
  /** Size bound: every stream has one, so nothing grows until the disk is full. */
  readonly maxBytes: {
    /** The environment variable (in MiB) that overrides the default, in the config of every app that declares the stream. */
    readonly variable: string;
    readonly defaultMiB: number;
    /** What the size bounds and what happens when it is full, for the README. */
    readonly description: string;
  };
  /**
   * When full, `new` refuses the publish (the publisher sees it and retries or counts it);
   * `old` would drop the oldest messages silently, which no stream here can afford.
   */
  readonly discard: 'new' | 'old';
  /** Messages kept per subject; older ones on the same subject are dropped (0: no limit). */
  readonly maxMsgsPerSubject: number;
}

const MINUTE_NANOS = 60 * 1_000_000_000;

/**
 * Monitor changes, one subject per kind and monitor (`monitor.changed.<kind>.<monitorId>`),
 * keeping only the latest message of each: a compacted log. At most one message per kind per
 * monitor, so PATCHing a monitor a thousand times costs one message, and a consumer replaying
 * from the start meets each monitor's latest event last (its sequence is the highest), so it
 * ends with every monitor's current state. A deletion purges the monitor's earlier events,
 * leaving only its tombstone, which the registry removes after `MONITOR_TOMBSTONE_DAYS`. No age
 * limit: a monitor that has not changed for a year must still be in the log.
 */
export const MonitorEventStream = {
  name: 'MONITOR_EVENTS',
  subjectPrefix: 'monitor.changed',
  // `>` and not `*.*`: events published before subjects carried the monitor id stay readable.
  subjects: ['monitor.changed.>'],
  retention: 'limits',
  duplicateWindowNanos: 2 * MINUTE_NANOS,
  maxAgeNanos: 0,
  maxBytes: {
    variable: 'MONITOR_EVENTS_MAX_MB',
    defaultMiB: 1024,
    description:
      'size of the compacted `MONITOR_EVENTS` log; full, the registry keeps events in its outbox and retries',
  },
  discard: 'new',
  maxMsgsPerSubject: 1,
} as const satisfies StreamDefinition;

export function monitorEventSubject(kind: string, monitorId: string): string {
  return `${MonitorEventStream.subjectPrefix}.${kind}.${monitorId}`;
}

/** Every event of one kind (`deleted`), or every event of the stream. */
export function monitorEventFilter(kind?: string): string {
  return kind
    ? `${MonitorEventStream.subjectPrefix}.${kind}.*`
    : `${MonitorEventStream.subjectPrefix}.>`;
}

/** Every event of one monitor, whatever its kind. */
export function monitorEventsOf(monitorId: string): string {
  return `${MonitorEventStream.subjectPrefix}.*.${monitorId}`;
}

/** Intervals go up to 24 h; a job older than its interval is stale anyway. */
const LONGEST_INTERVAL_NANOS = 24 * 60 * MINUTE_NANOS;

/**
 * Probe jobs: a work queue, one subject per region and monitor, holding one job at a time. The
 * scheduler publishes a scheduled job only into an empty subject; while the previous one waits,
 * the new slot is recorded as missed (MissedSlotStream) and the waiting job keeps its place. So
 * a region no prober serves holds at most one job per monitor (and per monitor's on-demand
 * check), never a day of them; the age limit (the longest interval and a margin) clears what
 * deleted or paused monitors left behind.
 */
export const ProbeJobStream = {
  name: 'PROBE_JOBS',
  subjectPrefix: 'probe.job',
  subjects: ['probe.job.>'],
  retention: 'workqueue',
  duplicateWindowNanos: 2 * MINUTE_NANOS,
  maxAgeNanos: LONGEST_INTERVAL_NANOS + 10 * MINUTE_NANOS,
  maxBytes: {
    variable: 'PROBE_JOBS_MAX_MB',
    defaultMiB: 1024,
    description: 'size of the `PROBE_JOBS` work queue; full, new jobs are refused and counted',
  },
  discard: 'new',
  maxMsgsPerSubject: 1,
} as const satisfies StreamDefinition;

/** Scheduled jobs of a monitor in a region; on-demand ones have their own subject beside it. */
export function probeJobSubject(region: string, monitorId: string, onDemand = false): string {
  const subject = `${ProbeJobStream.subjectPrefix}.${region}.${monitorId}`;
  return onDemand ? `${subject}.now` : subject;
}

/** Every job of a region: what its probers pull. */
export function probeJobFilter(region: string): string {
  return `${ProbeJobStream.subjectPrefix}.${region}.>`;
}

export function proberConsumerName(region: string): string {
  return `probers-${region}`;
}

/**
 * Check results: kept for a day, each consumer (metrics, notifier) with its own durable cursor.
 * Full, it refuses new results: the prober sees the refusal and leaves the job for a retry,
 * where dropping the oldest would lose results a lagging consumer has not read yet.
 */
export const CheckResultStream = {
  name: 'CHECK_RESULTS',
  subjectPrefix: 'check.result',
  subjects: ['check.result.*'],
  retention: 'limits',
  duplicateWindowNanos: 2 * MINUTE_NANOS,
  maxAgeNanos: 24 * 60 * MINUTE_NANOS,
  maxBytes: {
    variable: 'CHECK_RESULTS_MAX_MB',
    defaultMiB: 4096,
    description:
      "size of `CHECK_RESULTS` (24 h of results); full, the prober's publish is refused and the job retried",
  },
  discard: 'new',
  maxMsgsPerSubject: 0,
} as const satisfies StreamDefinition;

export function checkResultSubject(region: string): string {
  return `${CheckResultStream.subjectPrefix}.${region}`;
}

export const DurableConsumers = {
  metricsResults: 'metrics',
  metricsMonitorEvents: 'metrics-monitor-events',
  notifierResults: 'notifier',
  notifierMonitorEvents: 'notifier-monitor-events',
  registryChannelEvents: 'monitor-registry-channel-events',
} as const;

/**
 * Channel facts, relayed from the notifier's outbox: the registry follows them to drop a deleted
 * channel from its owner's monitors, however long it was away (up to the stream's age limit).
 * An event is ~200 bytes, so 64 MiB holds some 300,000 deletions awaiting a follower. Full, it
 * refuses new facts, which then wait in the notifier's outbox, rather than drop unread ones.
 */
export const ChannelEventStream = {
  name: 'CHANNEL_EVENTS',
  subjectPrefix: 'channel.deleted',
  subjects: ['channel.deleted.*'],
  retention: 'limits',
  duplicateWindowNanos: 2 * MINUTE_NANOS,
  maxAgeNanos: 30 * 24 * 60 * MINUTE_NANOS,
  maxBytes: {
    variable: 'CHANNEL_EVENTS_MAX_MB',
    defaultMiB: 64,
    description:
      'size of `CHANNEL_EVENTS` (deleted channels on their way to the registry); full, the notifier keeps them in its outbox and retries',
  },
  discard: 'new',
  // A channel is deleted once: its subject holds that one fact (a repeat of it replaces it).
  maxMsgsPerSubject: 1,
} as const satisfies StreamDefinition;

export function channelDeletedSubject(channelId: string): string {
  return `${ChannelEventStream.subjectPrefix}.${channelId}`;
}

/**
 * Maintenance windows, relayed from the registry's outbox: one subject per window
 * (`maintenance.changed.<windowId>`) keeping only its latest state, a compacted log like
 * MONITOR_EVENTS. The scheduler reads it from the start and ends with every window. A deleted
 * window's last message says so (`window: null`) and is kept for `MONITOR_TOMBSTONE_DAYS`, so a
 * reader that was following hears of it, then the registry's tombstone sweep removes it.
 */
export const MaintenanceEventStream = {
  name: 'MAINTENANCE_EVENTS',
  subjectPrefix: 'maintenance.changed',
  subjects: ['maintenance.changed.*'],
  retention: 'limits',
  duplicateWindowNanos: 2 * MINUTE_NANOS,
  maxAgeNanos: 0,
  maxBytes: {
    variable: 'MAINTENANCE_EVENTS_MAX_MB',
    defaultMiB: 256,
    description:
      'size of the compacted `MAINTENANCE_EVENTS` log; full, the registry keeps windows in its outbox and retries',
  },
  discard: 'new',
  maxMsgsPerSubject: 1,
} as const satisfies StreamDefinition;

export function maintenanceEventSubject(windowId: string): string {
  return `${MaintenanceEventStream.subjectPrefix}.${windowId}`;
}
