/**
 * The API's shapes as the dashboard reads them. Written here rather than imported from
 * libs/contracts: those modules carry zod and Node code a browser bundle should not, and the
 * dashboard only relies on the public REST answers (see /docs).
 */
export type MonitorType = 'http' | 'tcp' | 'dns' | 'heartbeat';
export const MONITOR_TYPES: readonly MonitorType[] = ['http', 'tcp', 'dns', 'heartbeat'];
export type MonitorStatus = 'pending' | 'up' | 'degraded' | 'down' | 'paused' | 'partial';
export const MONITOR_STATUSES: readonly MonitorStatus[] = [
  'up',
  'degraded',
  'partial',
  'down',
  'pending',
  'paused',
];
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'] as const;
export const ASSERTION_OPERATORS = [
  'equals',
  'notEquals',
  'contains',
  'lessThan',
  'greaterThan',
  'exists',
  'notExists',
] as const;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface User {
  id: string;
  email: string;
  createdAt: string;
}

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
}

export interface AlertPolicy {
  failuresToOpen: number;
  windowSize: number;
  successesToResolve: number;
  alertOnDegraded: boolean;
  renotifyMinutes: number | null;
  certificateExpiryDays: number;
  escalation: { afterMinutes: number; channelIds: string[] }[];
  regionQuorum: number | null;
  alertOnPartial: boolean;
}

export interface JsonPathAssertion {
  type: 'jsonPath';
  path: string;
  operator: (typeof ASSERTION_OPERATORS)[number];
  value?: string | number | boolean | null;
}

/** Every field a client writes; `POST /monitors` and `PATCH /monitors/{id}` take these. */
export interface MonitorSpec {
  key: string | null;
  name: string;
  type: MonitorType;
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body: string | null;
  intervalSeconds: number;
  timeoutMs: number;
  expectedStatus: string[];
  followRedirects: boolean;
  maxLatencyMs: number | null;
  keyword: { value: string; mode: 'present' | 'absent' } | null;
  assertions: JsonPathAssertion[];
  dns: {
    recordType: (typeof DNS_RECORD_TYPES)[number];
    resolver: string | null;
    expected: string[];
  } | null;
  alertPolicy: AlertPolicy;
  channelIds: string[];
  regions: string[];
  paused: boolean;
  tls: { allowInvalidCertificate: boolean } | null;
  heartbeat: { periodSeconds: number; graceSeconds: number } | null;
}

export interface Monitor extends MonitorSpec {
  id: string;
  ownerId: string;
  status: MonitorStatus;
  lastCheckedAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
  pingUrl: string | null;
}

export interface DashboardEntry {
  id: string;
  name: string;
  url: string;
  paused: boolean;
  status: MonitorStatus;
  lastCheckedAt: string | null;
  latencyMs: number | null;
  uptime24hPercent: number | null;
  certificateExpiresAt: string | null;
  missed24h: number;
}

export interface CheckTimings {
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  firstByteMs: number | null;
  transferMs: number | null;
}

export type CheckOutcome = 'up' | 'degraded' | 'down';

export interface CheckResult {
  id: string;
  monitorId: string;
  region: string;
  scheduledAt: string;
  startedAt: string;
  outcome: CheckOutcome;
  errorKind: string | null;
  httpStatus: number | null;
  latencyMs: number;
  timings: CheckTimings;
  sizeBytes: number;
  message: string | null;
  onDemand: boolean;
  inMaintenance: boolean;
}

export interface Incident {
  id: string;
  monitorId: string;
  state: 'open' | 'resolved';
  kind: 'down' | 'degraded' | 'certificate' | 'partial';
  startedAt: string;
  resolvedAt: string | null;
  cause: Record<string, unknown>;
  timeline: { at: string; event: string; checkId: string | null; message: string }[];
}

export interface MonitorStats {
  window: string;
  totalChecks: number;
  failedChecks: number;
  uptimePercent: number | null;
  avgLatencyMs: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  currentStatus: string;
  lastCheckedAt: string | null;
  ongoingIncident: Incident | null;
}

export interface MonitorReport {
  monitorId: string;
  name: string;
  from: string;
  to: string;
  checks: { checks: number; uptimePercent: number | null; avgLatencyMs: number | null };
  incidents: { incidents: number; downtimeSeconds: number; mttrSeconds: number | null };
}

export interface ResponseTimePoint {
  at: string;
  checks: number;
  failures: number;
  avgLatencyMs: number | null;
  p95LatencyMs: number | null;
}

export interface ResponseTimeSeries {
  bucket: string;
  from: string;
  to: string;
  points: ResponseTimePoint[];
}

/** `GET /monitors/response-times`: several monitors' series over one range. */
export interface ResponseTimesBatch {
  bucket: string;
  from: string;
  to: string;
  items: { monitorId: string; points: ResponseTimePoint[] }[];
  /** Asked ids that are no monitor of the team (deleted since the list was read). */
  unknownIds: string[];
}

/** Ids one `GET /monitors/response-times` takes at most (the API's MAX_RESPONSE_TIME_IDS). */
export const MAX_RESPONSE_TIME_IDS = 100;

export const CHANNEL_TYPES = [
  'email',
  'webhook',
  'slack',
  'pagerduty',
  'opsgenie',
  'msteams',
  'discord',
  'telegram',
  'ntfy',
] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export interface Channel {
  id: string;
  name: string;
  type: ChannelType;
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface Alert {
  id: string;
  incidentId: string | null;
  monitorId: string | null;
  channelId: string;
  kind: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  escalationStep: number | null;
}

export interface StatusPage {
  id: string;
  slug: string;
  title: string;
  description: string | null;
  monitorIds: string[];
  public: boolean;
  createdAt: string;
  updatedAt: string;
}

export const TEAM_ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export interface ApiKey {
  id: string;
  name: string;
  role: TeamRole;
  /** The key's first characters, to recognise it: the key itself is shown once, at creation. */
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdBy: string | null;
}

export interface ApiKeyCreated extends ApiKey {
  key: string;
}

export interface MaintenanceWindow {
  id: string;
  name: string;
  monitorIds: string[];
  startsAt: string;
  endsAt: string;
  /** An RFC 5545 RRULE without DTSTART, repeating the window in `timeZone`; null: one-off. */
  recurrence: string | null;
  timeZone: string;
  createdAt: string;
  updatedAt: string;
}

export interface Team {
  id: string;
  name: string;
  /** The team every account gets at registration: the default, never deleted. */
  personal: boolean;
  /** The caller's role in it. */
  role: TeamRole;
  createdAt: string;
}

export interface Member {
  userId: string;
  email: string;
  role: TeamRole;
  joinedAt: string;
}

/** A pending invitation, as the team's admins list it (never with its link). */
export interface Invitation {
  id: string;
  email: string;
  role: TeamRole;
  createdAt: string;
  expiresAt: string;
}

export interface InvitationCreated {
  id: string;
  email: string;
  role: TeamRole;
  expiresAt: string;
  /** The one-time link the email carries: shown in this answer only. */
  acceptUrl: string;
  emailSent: boolean;
}
