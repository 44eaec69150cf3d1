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
import { DEFAULT_CHANNEL_API_URLS, clip, operatorApiClient } from '../url-rules';

export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type PagerDutySeverity = (typeof PAGERDUTY_SEVERITIES)[number];
/** PagerDuty refuses a summary longer than this. */
const SUMMARY_MAX = 1024;

export const PagerDutyConfigSchema = z
  .object({
    routingKey: z
      .string({ message: 'must be a string' })
      .trim()
      .regex(
        /^[A-Za-z0-9]{32}$/,
        'must be the 32-character integration key of an Events API v2 integration',
      ),
    severity: z
      .enum(PAGERDUTY_SEVERITIES, {
        message: `must be one of ${PAGERDUTY_SEVERITIES.join(', ')}`,
      })
      .default('critical'),
  })
  .strict();
export type PagerDutyConfig = z.output<typeof PagerDutyConfigSchema>;

/** An Events API v2 event, as https://developer.pagerduty.com/api-reference/368ae3d938c9e-send-an-event-to-pager-duty documents it. */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp: string;
    component: string;
    class?: string;
    custom_details: Record<string, string>;
  };
  client?: string;
  client_url?: string;
  links?: { href: string; text: string }[];
}

/**
 * The event for an alert: a recovery resolves the incident's page, everything else triggers it.
 * The incident's id is the dedup key, so a reminder lands on the page its opening made (PagerDuty
 * adds it to that incident's log) and the recovery closes that page.
 */
export function pagerDutyEvent(config: PagerDutyConfig, message: AlertMessage): PagerDutyEvent {
  const base = { routing_key: config.routingKey, dedup_key: incidentKey(message) };
  if (isResolution(message)) return { ...base, event_action: 'resolve' };
  const errorKind = message.incident?.cause?.errorKind;
  return {
    ...base,
    event_action: 'trigger',
    payload: {
      summary: clip(subjectLine(message), SUMMARY_MAX),
      source: message.monitor.url,
      severity: severityOf(config, message),
      timestamp: message.occurredAt,
      component: message.monitor.name,
      ...(errorKind ? { class: errorKind } : {}),
      custom_details: Object.fromEntries(alertDetails(message).map((d) => [d.label, d.value])),
    },
    client: 'Uptime platform',
    client_url: message.monitorLink,
    links: [{ href: message.monitorLink, text: 'Open monitor' }],
  };
}

/** The configured severity is for outages; slowness, partial outages and expiring certificates warn, tests inform. */
function severityOf(config: PagerDutyConfig, message: AlertMessage): PagerDutySeverity {
  switch (alertState(message)) {
    case 'degraded':
    case 'certificate':
    case 'partial':
      return 'warning';
    case 'test':
      return 'info';
    default:
      return config.severity;
  }
}

export interface PagerDutyOptions {
  timeoutMs?: number;
  /** `PAGERDUTY_EVENTS_URL`: the operator's, never a channel's. */
  eventsUrl?: string;
}

/** Triggers and resolves PagerDuty incidents through the Events API v2. The routing key is the secret. */
export class PagerDutyProvider extends HttpChannelProvider<PagerDutyConfig> {
  readonly type = 'pagerduty';
  readonly configSchema = PagerDutyConfigSchema;
  readonly secretFields: readonly (keyof PagerDutyConfig)[] = ['routingKey'];
  private readonly eventsUrl: string;

  constructor(options: PagerDutyOptions = {}) {
    super(operatorApiClient(), options.timeoutMs);
    this.eventsUrl = options.eventsUrl ?? DEFAULT_CHANNEL_API_URLS.pagerDutyEventsUrl;
  }

  async send(config: PagerDutyConfig, message: AlertMessage): Promise<void> {
    await this.post(this.eventsUrl, JSON.stringify(pagerDutyEvent(config, message)), {
      receiver: 'PagerDuty',
      secrets: [config.routingKey],
    });
  }
}
