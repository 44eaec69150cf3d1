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
  listMonitors: 'registry.monitors.list',
  getMonitor: 'registry.monitors.get',
  updateMonitor: 'registry.monitors.update',
  deleteMonitor: 'registry.monitors.delete',
  pauseMonitor: 'registry.monitors.pause',
  resumeMonitor: 'registry.monitors.resume',
  /** Paged snapshot of every active monitor, for consumers that rebuild state at start. */
  listActiveMonitors: 'registry.monitors.active',
} as const;

export type RegistrySubject = (typeof RegistrySubjects)[keyof typeof RegistrySubjects];

/** Queue groups: replicas of one service share a group so each request is answered once. */
export const QueueGroups = {
  registry: 'monitor-registry',
} as const;

export const MonitorEventStream = {
  name: 'MONITOR_EVENTS',
  subjectPrefix: 'monitor.changed',
  subjects: ['monitor.changed.*'],
  /** JetStream drops a re-published event with the same id inside this window. */
  duplicateWindowNanos: 2 * 60 * 1_000_000_000,
} as const;

export function monitorEventSubject(kind: string): string {
  return `${MonitorEventStream.subjectPrefix}.${kind}`;
}
