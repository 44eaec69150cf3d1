import { z } from 'zod';
import {
  ApiKeyCreatedSchema,
  ApiKeyIdentitySchema,
  ApiKeySchema,
  ApiKeyUsedRequestSchema,
  CreateApiKeyRequestSchema,
  DeleteApiKeyRequestSchema,
  ListApiKeysRequestSchema,
  VerifyApiKeyRequestSchema,
} from './api-keys';
import {
  CredentialsSchema,
  LoginSchema,
  RefreshTokenBodySchema,
  SessionGrantSchema,
  UserIdSchema,
  UserSchema,
} from './auth';
import {
  AlertSchema,
  ChannelSchema,
  CreateChannelRequestSchema,
  DeleteAlertsRequestSchema,
  ListAlertsRequestSchema,
  ListChannelsRequestSchema,
  OwnedChannelRequestSchema,
  UpdateChannelRequestSchema,
} from './channels';
import { CheckResultSchema } from './checks';
import { ApplyConfigRequestSchema, ConfigPlanSchema } from './config-document';
import {
  AcceptInvitationRequestSchema,
  AcceptInvitationWithAccountRequestSchema,
  CreatedInvitationSchema,
  CreateInvitationRequestSchema,
  InvitationAcceptedSchema,
  InvitationAcceptedWithAccountSchema,
  InvitationMailRequestSchema,
  InvitationPreviewSchema,
  InvitationSchema,
  ListInvitationsRequestSchema,
  PeekInvitationRequestSchema,
  RevokeInvitationRequestSchema,
} from './invitations';
import {
  IncidentSchema,
  ListIncidentsRequestSchema,
  SlotVerdictsReplySchema,
  SlotVerdictsRequestSchema,
} from './incidents';
import { RegionIncidentListSchema, RegionIncidentQuerySchema } from './regions';
import {
  DeleteChecksRequestSchema,
  LatestRequestSchema,
  ListChecksRequestSchema,
  MonitorLatestSchema,
  MonitorStatsSchema,
  ResponseTimesRequestSchema,
  ResponseTimeSeriesSchema,
  ResponseTimesBatchRequestSchema,
  ResponseTimesBatchSchema,
  StatsRequestSchema,
} from './metrics-queries';
import { CoverageRequestSchema, CoverageSchema } from './missed-slots';
import {
  CreateMaintenanceWindowRequestSchema,
  ListMaintenanceWindowsRequestSchema,
  MaintenanceWindowRequestSchema,
  MaintenanceWindowSchema,
  UpdateMaintenanceWindowRequestSchema,
} from './maintenance-windows';
import {
  CheckTotalsRequestSchema,
  CheckTotalsSchema,
  IncidentSummaryRequestSchema,
  IncidentSummarySchema,
} from './reports';
import {
  CreateStatusPageRequestSchema,
  DailyUptimeRequestSchema,
  DailyUptimeSchema,
  ListStatusPagesRequestSchema,
  PublicIncidentSchema,
  PublicMonitorRequestSchema,
  PublicMonitorSchema,
  PublishedStatusPageRequestSchema,
  PublishedStatusPageSchema,
  RecentIncidentsRequestSchema,
  StatusPageRequestSchema,
  StatusPageSchema,
  UpdateStatusPageRequestSchema,
} from './status-pages';
import { MonitorSchema } from './monitor';
import { PingTargetSchema, ResolvePingTokenRequestSchema } from './heartbeat-monitor';
import {
  CreateMonitorRequestSchema,
  CreateMonitorsRequestSchema,
  CreatedMonitorsSchema,
  ListActiveMonitorsRequestSchema,
  ListMonitorsRequestSchema,
  ListMonitorSummariesRequestSchema,
  OwnedMonitorIdsRequestSchema,
  OwnedMonitorIdsSchema,
  MonitorSummarySchema,
  OwnedMonitorRequestSchema,
  pageSchema,
  UpdateMonitorRequestSchema,
} from './monitor-requests';
import {
  MetricsSubjects,
  NotifierAlertSubjects,
  NotifierChannelSubjects,
  NotifierMailSubjects,
  NotifierSubjects,
  RegistryApiKeySubjects,
  RegistryInvitationSubjects,
  RegistryMaintenanceSubjects,
  RegistryStatusPageSubjects,
  RegistrySubjects,
  RegistryTeamSubjects,
  type RequestSubject,
} from './subjects';
import {
  CreateTeamRequestSchema,
  DeleteTeamRequestSchema,
  ListMembersRequestSchema,
  ListTeamsRequestSchema,
  MemberSchema,
  RemoveMemberRequestSchema,
  TeamAccessRequestSchema,
  TeamAccessSchema,
  TeamRequestSchema,
  TeamSchema,
  UpdateMemberRequestSchema,
  UpdateTeamRequestSchema,
} from './teams';

interface RequestContract {
  /** What the answering service validates the payload against on receipt (a bad one is a 400). */
  readonly request: z.ZodType;
  /** What the handler answers with (typed for both sides; not parsed again on the way back). */
  readonly reply: z.ZodType;
}

/** The reply of a command that has nothing else to say. */
const DoneSchema = z.object({ ok: z.literal(true) });

/**
 * Every request/reply subject with its request schema and its reply: the asker's payload and
 * answer (`BusClient.request`) and the handler's (`@Answers`) are typed from here, so a subject,
 * its request and its reply cannot drift apart.
 */
export const RequestContracts = {
  [RegistrySubjects.register]: { request: CredentialsSchema, reply: UserSchema },
  [RegistrySubjects.login]: { request: LoginSchema, reply: SessionGrantSchema },
  [RegistrySubjects.refresh]: { request: RefreshTokenBodySchema, reply: SessionGrantSchema },
  [RegistrySubjects.logout]: { request: RefreshTokenBodySchema, reply: DoneSchema },
  [RegistrySubjects.getUser]: { request: UserIdSchema, reply: UserSchema },
  [RegistrySubjects.createMonitor]: {
    request: CreateMonitorRequestSchema,
    reply: MonitorSchema,
  },
  [RegistrySubjects.createMonitors]: {
    request: CreateMonitorsRequestSchema,
    reply: CreatedMonitorsSchema,
  },
  [RegistrySubjects.listMonitors]: {
    request: ListMonitorsRequestSchema,
    reply: pageSchema(MonitorSchema),
  },
  [RegistrySubjects.listMonitorSummaries]: {
    request: ListMonitorSummariesRequestSchema,
    reply: pageSchema(MonitorSummarySchema),
  },
  [RegistrySubjects.ownedMonitorIds]: {
    request: OwnedMonitorIdsRequestSchema,
    reply: OwnedMonitorIdsSchema,
  },
  [RegistrySubjects.getMonitor]: { request: OwnedMonitorRequestSchema, reply: MonitorSchema },
  [RegistrySubjects.updateMonitor]: {
    request: UpdateMonitorRequestSchema,
    reply: MonitorSchema,
  },
  [RegistrySubjects.deleteMonitor]: { request: OwnedMonitorRequestSchema, reply: DoneSchema },
  [RegistrySubjects.pauseMonitor]: {
    request: OwnedMonitorRequestSchema,
    reply: MonitorSchema,
  },
  [RegistrySubjects.resumeMonitor]: {
    request: OwnedMonitorRequestSchema,
    reply: MonitorSchema,
  },
  [RegistrySubjects.listActiveMonitors]: {
    request: ListActiveMonitorsRequestSchema,
    reply: pageSchema(MonitorSchema),
  },
  [RegistrySubjects.applyConfig]: { request: ApplyConfigRequestSchema, reply: ConfigPlanSchema },
  [RegistrySubjects.resolvePingToken]: {
    request: ResolvePingTokenRequestSchema,
    reply: PingTargetSchema,
  },

  [RegistryTeamSubjects.access]: { request: TeamAccessRequestSchema, reply: TeamAccessSchema },
  [RegistryTeamSubjects.create]: { request: CreateTeamRequestSchema, reply: TeamSchema },
  [RegistryTeamSubjects.list]: {
    request: ListTeamsRequestSchema,
    reply: z.object({ items: z.array(TeamSchema) }),
  },
  [RegistryTeamSubjects.get]: { request: TeamRequestSchema, reply: TeamSchema },
  [RegistryTeamSubjects.update]: { request: UpdateTeamRequestSchema, reply: TeamSchema },
  [RegistryTeamSubjects.delete]: { request: DeleteTeamRequestSchema, reply: DoneSchema },
  [RegistryTeamSubjects.listMembers]: {
    request: ListMembersRequestSchema,
    reply: z.object({ items: z.array(MemberSchema) }),
  },
  [RegistryTeamSubjects.updateMember]: { request: UpdateMemberRequestSchema, reply: MemberSchema },
  [RegistryTeamSubjects.removeMember]: { request: RemoveMemberRequestSchema, reply: DoneSchema },

  [RegistryMaintenanceSubjects.create]: {
    request: CreateMaintenanceWindowRequestSchema,
    reply: MaintenanceWindowSchema,
  },
  [RegistryMaintenanceSubjects.list]: {
    request: ListMaintenanceWindowsRequestSchema,
    reply: z.object({ items: z.array(MaintenanceWindowSchema) }),
  },
  [RegistryMaintenanceSubjects.get]: {
    request: MaintenanceWindowRequestSchema,
    reply: MaintenanceWindowSchema,
  },
  [RegistryMaintenanceSubjects.update]: {
    request: UpdateMaintenanceWindowRequestSchema,
    reply: MaintenanceWindowSchema,
  },
  [RegistryMaintenanceSubjects.delete]: {
    request: MaintenanceWindowRequestSchema,
    reply: DoneSchema,
  },
  [RegistryStatusPageSubjects.create]: {
    request: CreateStatusPageRequestSchema,
    reply: StatusPageSchema,
  },
  [RegistryStatusPageSubjects.list]: {
    request: ListStatusPagesRequestSchema,
    reply: z.object({ items: z.array(StatusPageSchema) }),
  },
  [RegistryStatusPageSubjects.get]: { request: StatusPageRequestSchema, reply: StatusPageSchema },
  [RegistryStatusPageSubjects.update]: {
    request: UpdateStatusPageRequestSchema,
    reply: StatusPageSchema,
  },
  [RegistryStatusPageSubjects.delete]: { request: StatusPageRequestSchema, reply: DoneSchema },
  [RegistryStatusPageSubjects.published]: {
    request: PublishedStatusPageRequestSchema,
    reply: PublishedStatusPageSchema,
  },
  [RegistryStatusPageSubjects.publicMonitor]: {
    request: PublicMonitorRequestSchema,
    reply: PublicMonitorSchema,
  },

  [RegistryApiKeySubjects.create]: {
    request: CreateApiKeyRequestSchema,
    reply: ApiKeyCreatedSchema,
  },
  [RegistryApiKeySubjects.list]: {
    request: ListApiKeysRequestSchema,
    reply: z.object({ items: z.array(ApiKeySchema) }),
  },
  [RegistryApiKeySubjects.delete]: { request: DeleteApiKeyRequestSchema, reply: DoneSchema },
  [RegistryApiKeySubjects.verify]: {
    request: VerifyApiKeyRequestSchema,
    reply: ApiKeyIdentitySchema,
  },
  [RegistryApiKeySubjects.used]: { request: ApiKeyUsedRequestSchema, reply: DoneSchema },
  [RegistryInvitationSubjects.create]: {
    request: CreateInvitationRequestSchema,
    reply: CreatedInvitationSchema,
  },
  [RegistryInvitationSubjects.list]: {
    request: ListInvitationsRequestSchema,
    reply: z.object({ items: z.array(InvitationSchema) }),
  },
  [RegistryInvitationSubjects.revoke]: {
    request: RevokeInvitationRequestSchema,
    reply: DoneSchema,
  },
  [RegistryInvitationSubjects.peek]: {
    request: PeekInvitationRequestSchema,
    reply: InvitationPreviewSchema,
  },
  [RegistryInvitationSubjects.accept]: {
    request: AcceptInvitationRequestSchema,
    reply: InvitationAcceptedSchema,
  },
  [RegistryInvitationSubjects.acceptWithAccount]: {
    request: AcceptInvitationWithAccountRequestSchema,
    reply: InvitationAcceptedWithAccountSchema,
  },

  [MetricsSubjects.listChecks]: {
    request: ListChecksRequestSchema,
    reply: pageSchema(CheckResultSchema),
  },
  [MetricsSubjects.deleteChecks]: { request: DeleteChecksRequestSchema, reply: DoneSchema },
  [MetricsSubjects.stats]: { request: StatsRequestSchema, reply: MonitorStatsSchema },
  [MetricsSubjects.responseTimes]: {
    request: ResponseTimesRequestSchema,
    reply: ResponseTimeSeriesSchema,
  },
  [MetricsSubjects.responseTimesMany]: {
    request: ResponseTimesBatchRequestSchema,
    reply: ResponseTimesBatchSchema,
  },
  [MetricsSubjects.latest]: {
    request: LatestRequestSchema,
    reply: z.object({ items: z.array(MonitorLatestSchema) }),
  },
  [MetricsSubjects.checkTotals]: { request: CheckTotalsRequestSchema, reply: CheckTotalsSchema },
  [MetricsSubjects.dailyUptime]: { request: DailyUptimeRequestSchema, reply: DailyUptimeSchema },
  [MetricsSubjects.coverage]: { request: CoverageRequestSchema, reply: CoverageSchema },

  [NotifierSubjects.listIncidents]: {
    request: ListIncidentsRequestSchema,
    reply: pageSchema(IncidentSchema),
  },
  [NotifierSubjects.slotVerdicts]: {
    request: SlotVerdictsRequestSchema,
    reply: SlotVerdictsReplySchema,
  },
  [NotifierSubjects.recentIncidents]: {
    request: RecentIncidentsRequestSchema,
    reply: z.object({ items: z.array(PublicIncidentSchema) }),
  },
  [NotifierSubjects.incidentSummary]: {
    request: IncidentSummaryRequestSchema,
    reply: IncidentSummarySchema,
  },
  [NotifierSubjects.listRegionIncidents]: {
    request: RegionIncidentQuerySchema,
    reply: RegionIncidentListSchema,
  },
  [NotifierChannelSubjects.create]: {
    request: CreateChannelRequestSchema,
    reply: ChannelSchema,
  },
  [NotifierChannelSubjects.list]: {
    request: ListChannelsRequestSchema,
    reply: z.object({ items: z.array(ChannelSchema) }),
  },
  [NotifierChannelSubjects.get]: { request: OwnedChannelRequestSchema, reply: ChannelSchema },
  [NotifierChannelSubjects.update]: {
    request: UpdateChannelRequestSchema,
    reply: ChannelSchema,
  },
  [NotifierChannelSubjects.delete]: { request: OwnedChannelRequestSchema, reply: DoneSchema },
  [NotifierChannelSubjects.test]: { request: OwnedChannelRequestSchema, reply: AlertSchema },
  [NotifierChannelSubjects.deleteOwned]: {
    request: ListChannelsRequestSchema,
    reply: z.object({ deleted: z.number().int() }),
  },
  [NotifierAlertSubjects.list]: {
    request: ListAlertsRequestSchema,
    reply: pageSchema(AlertSchema),
  },
  [NotifierAlertSubjects.delete]: {
    request: DeleteAlertsRequestSchema,
    reply: z.object({ deleted: z.number().int() }),
  },
  [NotifierMailSubjects.invitation]: { request: InvitationMailRequestSchema, reply: DoneSchema },
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
export type ReplyOf<S extends RequestSubject> = z.output<(typeof RequestContracts)[S]['reply']>;
