import { z } from 'zod';
import {
  type AlertMessage,
  alertDetails,
  alertState,
  incidentKey,
  isResolution,
  subjectLine,
} from '../alert-message';
import { HttpChannelProvider } from '../http-channel';
import {
  DEFAULT_CHANNEL_API_URLS,
  clip,
  operatorApiClient,
  withoutTrailingSlash,
} from '../url-rules';

export const OPSGENIE_REGIONS = ['us', 'eu'] as const;
export const OPSGENIE_PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
export type OpsgeniePriority = (typeof OPSGENIE_PRIORITIES)[number];
/** Opsgenie's limits: longer values are cut by Opsgenie or refused. */
const MESSAGE_MAX = 130;
const DESCRIPTION_MAX = 15_000;
const SOURCE = 'Uptime platform';

export const OpsgenieConfigSchema = z
  .object({
    apiKey: z
      .string({ message: 'must be a string' })
      .trim()
      .regex(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        'must be the API key of an Opsgenie API integration (a UUID)',
      ),
    region: z
      .enum(OPSGENIE_REGIONS, { message: `must be one of ${OPSGENIE_REGIONS.join(', ')}` })
      .default('us'),
    priority: z
      .enum(OPSGENIE_PRIORITIES, { message: `must be one of ${OPSGENIE_PRIORITIES.join(', ')}` })
      .default('P1'),
  })
  .strict();
export type OpsgenieConfig = z.output<typeof OpsgenieConfigSchema>;

/** `POST /v2/alerts`, as https://docs.opsgenie.com/docs/alert-api#create-alert documents it. */
export interface OpsgenieCreateAlert {
  message: string;
  alias: string;
  description: string;
  priority: OpsgeniePriority;
  source: string;
  entity: string;
  tags: string[];
  details: Record<string, string>;
}

/** `POST /v2/alerts/{alias}/close?identifierType=alias`. */
export interface OpsgenieCloseAlert {
  source: string;
  note: string;
}

export type OpsgenieRequest =
  | { action: 'create'; path: string; body: OpsgenieCreateAlert }
  | { action: 'close'; path: string; body: OpsgenieCloseAlert };

/**
 * What to ask Opsgenie for an alert. The incident's id is the alias: a reminder creates the same
 * alias again, which Opsgenie counts on the open alert instead of opening another, and the
 * recovery closes the alert by that alias.
 */
export function opsgenieRequest(config: OpsgenieConfig, message: AlertMessage): OpsgenieRequest {
  const alias = incidentKey(message);
  const details = alertDetails(message);
  if (isResolution(message)) {
    return {
      action: 'close',
      path: `/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`,
      body: { source: SOURCE, note: subjectLine(message) },
    };
  }
  return {
    action: 'create',
    path: '/v2/alerts',
    body: {
      message: clip(subjectLine(message), MESSAGE_MAX),
      alias,
      description: clip(
        [...details.map((d) => `${d.label}: ${d.value}`), `Open: ${message.monitorLink}`].join(
          '\n',
        ),
        DESCRIPTION_MAX,
      ),
      priority: priorityOf(config, message),
      source: SOURCE,
      entity: clip(message.monitor.name, 512),
      tags: ['uptime', alertState(message)],
      details: {
        ...Object.fromEntries(details.map((d) => [d.label, d.value])),
        monitorId: message.monitor.id,
        link: message.monitorLink,
      },
    },
  };
}

/** The configured priority is for outages; slowness, partial outages and expiring certificates are P3, tests P5. */
function priorityOf(config: OpsgenieConfig, message: AlertMessage): OpsgeniePriority {
  switch (alertState(message)) {
    case 'degraded':
    case 'certificate':
    case 'partial':
      return 'P3';
    case 'test':
      return 'P5';
    default:
      return config.priority;
  }
}

export interface OpsgenieOptions {
  timeoutMs?: number;
  /** `OPSGENIE_API_URL` and `OPSGENIE_EU_API_URL`: the operator's, never a channel's. */
  apiUrl?: string;
  euApiUrl?: string;
}

/** Creates and closes Opsgenie alerts with an API integration's key (`GenieKey`). */
export class OpsgenieProvider extends HttpChannelProvider<OpsgenieConfig> {
  readonly type = 'opsgenie';
  readonly configSchema = OpsgenieConfigSchema;
  readonly secretFields: readonly (keyof OpsgenieConfig)[] = ['apiKey'];
  private readonly apiUrls: Record<OpsgenieConfig['region'], string>;

  constructor(options: OpsgenieOptions = {}) {
    super(operatorApiClient(), options.timeoutMs);
    this.apiUrls = {
      us: withoutTrailingSlash(options.apiUrl ?? DEFAULT_CHANNEL_API_URLS.opsgenieApiUrl),
      eu: withoutTrailingSlash(options.euApiUrl ?? DEFAULT_CHANNEL_API_URLS.opsgenieEuApiUrl),
    };
  }

  async send(config: OpsgenieConfig, message: AlertMessage): Promise<void> {
    const request = opsgenieRequest(config, message);
    await this.post(`${this.apiUrls[config.region]}${request.path}`, JSON.stringify(request.body), {
      receiver: 'Opsgenie',
      secrets: [config.apiKey],
      headers: { authorization: `GenieKey ${config.apiKey}` },
    });
  }
}
