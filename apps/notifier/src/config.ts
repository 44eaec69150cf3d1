import { type StreamSizes, streamSizeEnv, streamSizesOf } from '@uptime/bus';
import {
  type Env,
  envFields,
  parseEnv,
  type ServiceConfig,
  serviceConfigOf,
  serviceEnvFields,
} from '@uptime/config';
import { type TargetPolicy, targetEnvFields, targetPolicyFromEnv } from '@uptime/target-guard';
import { z } from 'zod';
import { type ChannelApiUrls, DEFAULT_CHANNEL_API_URLS } from './channels/url-rules';

/**
 * Region incidents are on unless turned off (a window of 0): the window covers one default
 * interval (60 s), so every monitor at the default interval has a slot in it; three monitors of
 * two teams at least take part before a region can be judged cut off.
 */
export const DEFAULT_REGION_INCIDENTS = { windowMs: 60_000, minMonitors: 3, minOwners: 2 } as const;

/** The notifier's environment; also the source of the README's configuration table. */
export const NotifierEnvSchema = z
  .object({
    ...serviceEnvFields,
    DATABASE_URL: envFields.databaseUrl,
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/.+/, 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@host:587')
      .optional()
      .describe('SMTP relay for email channels; without it email channels cannot deliver'),
    MAIL_FROM: z
      .string()
      .min(3)
      .max(320)
      .optional()
      .describe('sender address of alert emails; required with `SMTP_URL`'),
    PUBLIC_URL: envFields.publicUrl,
    ALERT_MAX_ATTEMPTS: envFields
      .positiveInt(5, 20)
      .describe('attempts at delivering one alert before it is given up'),
    ALERT_RETRY_BASE_MS: envFields
      .positiveInt(1000, 3_600_000)
      .describe('a failed delivery is retried after base, 2 × base, 4 × base… milliseconds'),
    PAGERDUTY_EVENTS_URL: operatorApiUrl(DEFAULT_CHANNEL_API_URLS.pagerDutyEventsUrl).describe(
      'PagerDuty Events API v2 endpoint of `pagerduty` channels (for a relay or a test receiver; channels cannot change it)',
    ),
    OPSGENIE_API_URL: operatorApiUrl(DEFAULT_CHANNEL_API_URLS.opsgenieApiUrl).describe(
      'Opsgenie API of `opsgenie` channels in region `us` (channels cannot change it)',
    ),
    OPSGENIE_EU_API_URL: operatorApiUrl(DEFAULT_CHANNEL_API_URLS.opsgenieEuApiUrl).describe(
      'Opsgenie API of `opsgenie` channels in region `eu` (channels cannot change it)',
    ),
    TELEGRAM_API_URL: operatorApiUrl(DEFAULT_CHANNEL_API_URLS.telegramApiUrl).describe(
      'Telegram Bot API root of `telegram` channels (channels cannot change it)',
    ),
    REGIONS: envFields.regions,
    REGION_INCIDENT_WINDOW_MS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(600_000, 'must be at most 600000')
      .default(DEFAULT_REGION_INCIDENTS.windowMs)
      .describe(
        'region incidents: how long after a slot where one region failed alone the notifier looks at the other monitors before that slot may page (such slots wait this long plus the timeout and 10 s, only while enough monitors and teams take part to judge); the default covers one default interval; 0 turns region incidents off',
      ),
    REGION_INCIDENT_MIN_MONITORS: envFields
      .positiveInt(DEFAULT_REGION_INCIDENTS.minMonitors, 100_000)
      .describe('monitors answered in a region within the window, at least, to judge it cut off'),
    REGION_INCIDENT_MIN_OWNERS: envFields
      .positiveInt(DEFAULT_REGION_INCIDENTS.minOwners, 100_000)
      .describe(
        'teams that must each (by most of their monitors) see a region fail alone to judge it cut off: one team alone cannot mute a region',
      ),
    OPERATOR_CHANNEL_ID: z
      .uuid({ message: 'must be a channel id (a UUID)' })
      .optional()
      .describe(
        "channel told when a region incident opens and resolves; without it, the notifier's logs and metrics only",
      ),
    QUIET_RESULTS_IN_MEMORY: envFields
      .boolean(true)
      .describe(
        "a result that changes no alerting state (a quiet monitor stays up) is kept in memory, not written to PostgreSQL; false writes every result to its monitor's row, as before (for comparison)",
      ),
    ...streamSizeEnv,
    // Webhook and Slack URLs are user input, as monitor URLs are: the same guard, the same names.
    ...targetEnvFields,
  })
  .refine((e) => !e.SMTP_URL || e.MAIL_FROM, {
    path: ['MAIL_FROM'],
    message: 'is required when SMTP_URL is set',
  });

export interface NotifierConfig extends ServiceConfig {
  databaseUrl: string;
  /** Email channels work only when an SMTP relay is configured. */
  smtpUrl?: string;
  mailFrom?: string;
  /** Where links in alerts point. */
  publicUrl: string;
  /** Failed deliveries retry after base, 2 × base, 4 × base… until this many attempts. */
  alertMaxAttempts: number;
  alertRetryBaseMs: number;
  /** `PROBE_ALLOW_PRIVATE` and `PROBE_ALLOWED_CIDRS`: the addresses channels may post to. */
  targets: TargetPolicy;
  /** Each stream's size in MiB (`*_MAX_MB`); absent, every stream gets its default. */
  streamSizes?: StreamSizes;
  /** `PAGERDUTY_EVENTS_URL`, `OPSGENIE_API_URL`, …: absent, the public APIs. */
  channelApis?: Partial<ChannelApiUrls>;
  /** The regions a monitor naming none is checked from, as the scheduler has them. */
  defaultRegions: string[];
  /** `REGION_INCIDENT_*`; absent, `DEFAULT_REGION_INCIDENTS` (on); a window of 0 turns them off. */
  regionIncidents?: { windowMs: number; minMonitors: number; minOwners: number };
  operatorChannelId?: string;
  /** `QUIET_RESULTS_IN_MEMORY`; absent, on. */
  quietResultsInMemory?: boolean;
}

export function loadNotifierConfig(env: Env): NotifierConfig {
  const e = parseEnv(NotifierEnvSchema, env);
  return {
    ...serviceConfigOf(e),
    databaseUrl: e.DATABASE_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    publicUrl: e.PUBLIC_URL ?? 'http://localhost:3000',
    alertMaxAttempts: e.ALERT_MAX_ATTEMPTS,
    alertRetryBaseMs: e.ALERT_RETRY_BASE_MS,
    targets: targetPolicyFromEnv(e),
    streamSizes: streamSizesOf(e),
    channelApis: {
      pagerDutyEventsUrl: e.PAGERDUTY_EVENTS_URL,
      opsgenieApiUrl: e.OPSGENIE_API_URL,
      opsgenieEuApiUrl: e.OPSGENIE_EU_API_URL,
      telegramApiUrl: e.TELEGRAM_API_URL,
    },
    defaultRegions: e.REGIONS,
    regionIncidents: {
      windowMs: e.REGION_INCIDENT_WINDOW_MS,
      minMonitors: e.REGION_INCIDENT_MIN_MONITORS,
      minOwners: e.REGION_INCIDENT_MIN_OWNERS,
    },
    operatorChannelId: e.OPERATOR_CHANNEL_ID,
    quietResultsInMemory: e.QUIET_RESULTS_IN_MEMORY,
  };
}

/** An http(s) URL set by the operator, never by a user; defaults to the service's public API. */
function operatorApiUrl(defaultUrl: string) {
  return z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).default(defaultUrl);
}

export const NOTIFIER_CONFIG = Symbol('NOTIFIER_CONFIG');
