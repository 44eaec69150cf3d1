import { z } from 'zod';
import {
  type AlertMessage,
  type AlertState,
  alertState,
  describeCause,
  formatDuration,
  formatUtc,
  subjectLine,
} from '../alert-message';
import { ChannelUrlProvider } from '../http-channel';
import type { ReceiverOptions } from '../http-post';

/** Plain http only reaches a receiver on this machine: a test double, never Slack itself. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Slack rejects a header block longer than this, and with it the whole message. */
const HEADER_MAX = 150;
const FIELD_MAX = 2000;

export const SlackConfigSchema = z
  .object({
    webhookUrl: z
      .string({ message: 'must be a string' })
      .trim()
      .max(2048, 'must be at most 2048 characters')
      .refine(isSlackWebhookUrl, 'must be an https URL (http only for localhost)'),
  })
  .strict();
export type SlackConfig = z.output<typeof SlackConfigSchema>;

const STATUS_WORDS: Record<AlertState, string> = {
  down: ':red_circle: Down',
  degraded: ':large_yellow_circle: Degraded',
  up: ':large_green_circle: Up',
  test: ':large_blue_circle: Test',
  certificate: ':lock: Certificate expiring',
  partial: ':large_orange_circle: Partially down',
};

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

/** Block Kit message; `text` is what notifications and old clients show instead of blocks. */
export function slackMessage(message: AlertMessage): SlackMessage {
  const subject = subjectLine(message);
  const status = STATUS_WORDS[alertState(message)];
  const monitor = `<${linkTarget(message.monitor.url)}|${escapeMrkdwn(message.monitor.name)}>`;
  return {
    text: subject,
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: clip(subject, HEADER_MAX), emoji: true },
      },
      {
        type: 'section',
        fields: [
          field('Monitor', monitor),
          field('Status', message.kind === 'reminder' ? `${status} (reminder)` : status),
          field('Cause', escapeMrkdwn(describeCause(message.incident?.cause ?? null))),
          timeField(message),
        ],
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Open monitor' },
            url: message.monitorLink,
          },
        ],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${slackDate(message.occurredAt)} · ${escapeMrkdwn(message.monitor.url)}`,
          },
        ],
      },
    ],
  };
}

/** Posts alerts to a Slack incoming webhook. The webhook URL is the credential. */
export class SlackProvider extends ChannelUrlProvider<SlackConfig, 'webhookUrl'> {
  readonly type = 'slack';
  readonly configSchema = SlackConfigSchema;
  readonly secretFields: readonly (keyof SlackConfig)[] = ['webhookUrl'];

  constructor(options: ReceiverOptions = {}) {
    super('webhookUrl', options);
  }

  async send(config: SlackConfig, message: AlertMessage): Promise<void> {
    await this.post(config.webhookUrl, JSON.stringify(slackMessage(message)), {
      receiver: 'Slack',
      secrets: [config.webhookUrl, new URL(config.webhookUrl).pathname],
    });
  }
}

/** Recoveries and reminders say how long; the rest say since when. */
function timeField(message: AlertMessage): Record<string, string> {
  if (message.durationMs !== null) {
    const label = message.kind === 'reminder' ? 'Open for' : 'Duration';
    return field(label, formatDuration(message.durationMs));
  }
  return field('Started', slackDate(message.incident?.startedAt ?? message.occurredAt));
}

function field(label: string, value: string): Record<string, string> {
  return { type: 'mrkdwn', text: clip(`*${label}*\n${value}`, FIELD_MAX) };
}

/** Slack shows the time in the reader's zone; the fallback is for clients that cannot. */
function slackDate(iso: string): string {
  const seconds = Math.floor(new Date(iso).getTime() / 1000);
  if (!Number.isFinite(seconds)) return escapeMrkdwn(iso);
  return `<!date^${seconds}^{date_short_pretty} {time_secs}|${formatUtc(iso)}>`;
}

/** User text must not open a link, a mention or a `<!channel>` ping. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inside `<url|label>`, a `|` or `>` in the URL would end it early. */
function linkTarget(url: string): string {
  return url.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function isSlackWebhookUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return url.hostname !== '';
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}
