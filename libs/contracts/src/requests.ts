import type { z } from 'zod';
import {
  CredentialsSchema,
  LoginSchema,
  RefreshTokenBodySchema,
  type SessionGrant,
  type User,
  UserIdSchema,
} from './auth';
import {
  type Alert,
  type Channel,
  CreateChannelRequestSchema,
  DeleteAlertsRequestSchema,
  ListAlertsRequestSchema,
  ListChannelsRequestSchema,
  OwnedChannelRequestSchema,
  UpdateChannelRequestSchema,
} from './channels';
import type { CheckResult } from './checks';
import { type Incident, ListIncidentsRequestSchema } from './incidents';
import {
  DeleteChecksRequestSchema,
  LatestRequestSchema,
  ListChecksRequestSchema,
  type MonitorLatest,
  type MonitorStats,
  ResponseTimesRequestSchema,
  type ResponseTimeSeries,
  StatsRequestSchema,
} from './metrics-queries';
import type { Monitor } from './monitor';
import {
  CreateMonitorRequestSchema,
  CreateMonitorsRequestSchema,
  type CreatedMonitors,
  ListActiveMonitorsRequestSchema,
  ListMonitorsRequestSchema,
  ListMonitorSummariesRequestSchema,
  type MonitorSummary,
  OwnedMonitorRequestSchema,
  type Page,
  UpdateMonitorRequestSchema,
} from './monitor-requests';
import {
  MetricsSubjects,
  NotifierAlertSubjects,
  NotifierChannelSubjects,
  NotifierSubjects,
  RegistrySubjects,
  type RequestSubject,
} from './subjects';

/** The type a subject replies with. Nothing is sent or checked at run time: it types the asker. */
export interface ReplyType<T> {
  readonly reply?: T;
}

function replies<T>(): ReplyType<T> {
  return {};
}

interface RequestContract {
  /** What the answering service validates the payload against on receipt (a bad one is a 400). */
  readonly request: z.ZodType;
  readonly reply: ReplyType<unknown>;
}

type Done = { ok: true };

/**
 * Every request/reply subject with its request schema and its reply: the asker's payload and
 * answer (`BusClient.request`) and the handler's (`@Answers`) are typed from here, so a subject,
 * its request and its reply cannot drift apart.
 */
export const RequestContracts = {
  [RegistrySubjects.register]: { request: CredentialsSchema, reply: replies<User>() },
  [RegistrySubjects.login]: { request: LoginSchema, reply: replies<SessionGrant>() },
  [RegistrySubjects.refresh]: { request: RefreshTokenBodySchema, reply: replies<SessionGrant>() },
  [RegistrySubjects.logout]: { request: RefreshTokenBodySchema, reply: replies<Done>() },
  [RegistrySubjects.getUser]: { request: UserIdSchema, reply: replies<User>() },
  [RegistrySubjects.createMonitor]: {
    request: CreateMonitorRequestSchema,
    reply: replies<Monitor>(),
  },
  [RegistrySubjects.createMonitors]: {
    request: CreateMonitorsRequestSchema,
    reply: replies<CreatedMonitors>(),
  },
  [RegistrySubjects.listMonitors]: {
    request: ListMonitorsRequestSchema,
    reply: replies<Page<Monitor>>(),
  },
  [RegistrySubjects.listMonitorSummaries]: {
    request: ListMonitorSummariesRequestSchema,
    reply: replies<Page<MonitorSummary>>(),
  },
  [RegistrySubjects.getMonitor]: { request: OwnedMonitorRequestSchema, reply: replies<Monitor>() },
  [RegistrySubjects.updateMonitor]: {
    request: UpdateMonitorRequestSchema,
    reply: replies<Monitor>(),
  },
  [RegistrySubjects.deleteMonitor]: { request: OwnedMonitorRequestSchema, reply: replies<Done>() },
  [RegistrySubjects.pauseMonitor]: {
    request: OwnedMonitorRequestSchema,
    reply: replies<Monitor>(),
  },
  [RegistrySubjects.resumeMonitor]: {
    request: OwnedMonitorRequestSchema,
    reply: replies<Monitor>(),
  },
  [RegistrySubjects.listActiveMonitors]: {
    request: ListActiveMonitorsRequestSchema,
    reply: replies<Page<Monitor>>(),
  },

  [MetricsSubjects.listChecks]: {
    request: ListChecksRequestSchema,
    reply: replies<Page<CheckResult>>(),
  },
  [MetricsSubjects.deleteChecks]: { request: DeleteChecksRequestSchema, reply: replies<Done>() },
  [MetricsSubjects.stats]: { request: StatsRequestSchema, reply: replies<MonitorStats>() },
  [MetricsSubjects.responseTimes]: {
    request: ResponseTimesRequestSchema,
    reply: replies<ResponseTimeSeries>(),
  },
  [MetricsSubjects.latest]: {
    request: LatestRequestSchema,
    reply: replies<{ items: MonitorLatest[] }>(),
  },

  [NotifierSubjects.listIncidents]: {
    request: ListIncidentsRequestSchema,
    reply: replies<Page<Incident>>(),
  },
  [NotifierChannelSubjects.create]: {
    request: CreateChannelRequestSchema,
    reply: replies<Channel>(),
  },
  [NotifierChannelSubjects.list]: {
    request: ListChannelsRequestSchema,
    reply: replies<{ items: Channel[] }>(),
  },
  [NotifierChannelSubjects.get]: { request: OwnedChannelRequestSchema, reply: replies<Channel>() },
  [NotifierChannelSubjects.update]: {
    request: UpdateChannelRequestSchema,
    reply: replies<Channel>(),
  },
  [NotifierChannelSubjects.delete]: { request: OwnedChannelRequestSchema, reply: replies<Done>() },
  [NotifierChannelSubjects.test]: { request: OwnedChannelRequestSchema, reply: replies<Alert>() },
  [NotifierAlertSubjects.list]: { request: ListAlertsRequestSchema, reply: replies<Page<Alert>>() },
  [NotifierAlertSubjects.delete]: {
    request: DeleteAlertsRequestSchema,
    reply: replies<{ deleted: number }>(),
  },
} as const satisfies Record<RequestSubject, RequestContract>;

type RequestSchemaOf<S extends RequestSubject> = (typeof RequestContracts)[S]['request'];

/** The request schema a subject's handler validates its payload against. */
export function requestSchemaOf<S extends RequestSubject>(subject: S): RequestSchemaOf<S> {
  return RequestContracts[subject].request;
}

/** What the asker sends on a subject (before the handler's defaults and coercions). */
export type RequestInput<S extends RequestSubject> = z.input<RequestSchemaOf<S>>;

/** What a subject's handler receives: the payload as its schema parsed it. */
export type ParsedRequest<S extends RequestSubject> = z.output<RequestSchemaOf<S>>;

/** What a subject answers with. */
export type ReplyOf<S extends RequestSubject> =
  (typeof RequestContracts)[S]['reply'] extends ReplyType<infer T> ? T : never;
