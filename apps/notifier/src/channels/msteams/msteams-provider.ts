import { z } from 'zod';
import {
  type AlertMessage,
  type AlertState,
  alertDetails,
  alertState,
  subjectLine,
} from '../alert-message';
import { ChannelUrlProvider } from '../http-channel';
import type { ReceiverOptions } from '../http-post';
import { clip, secureWebhookUrl } from '../url-rules';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
/** Teams renders 1.5; workflows post the card as given. */
export const ADAPTIVE_CARD_VERSION = '1.5';
/** Teams refuses a message above 28 KB; a title and a few facts stay far below. */
const FACT_MAX = 1000;

export const MsTeamsConfigSchema = z.object({ webhookUrl: secureWebhookUrl }).strict();
export type MsTeamsConfig = z.output<typeof MsTeamsConfigSchema>;

/** Adaptive Card text colours, by what the reader should take away. */
const STATE_COLOR: Record<AlertState, 'attention' | 'warning' | 'good' | 'accent'> = {
  down: 'attention',
  degraded: 'warning',
  up: 'good',
  test: 'accent',
  certificate: 'warning',
  partial: 'warning',
};

export interface MsTeamsMessage {
  type: 'message';
  attachments: {
    contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE;
    contentUrl: null;
    content: {
      $schema: string;
      type: 'AdaptiveCard';
      version: string;
      body: Record<string, unknown>[];
      actions: Record<string, unknown>[];
    };
  }[];
}

/**
 * The message a Teams workflow ("When a Teams webhook request is received", then "Post card in a
 * chat or channel") takes: one Adaptive Card attachment. Card text is plain `TextBlock`s and a
 * `FactSet`; Adaptive Cards render a subset of Markdown in them, so user text (a monitor's name)
 * has its Markdown characters escaped and cannot turn into a link.
 */
export function msTeamsMessage(message: AlertMessage): MsTeamsMessage {
  return {
    type: 'message',
    attachments: [
      {
        contentType: ADAPTIVE_CARD_CONTENT_TYPE,
        contentUrl: null,
        content: {
          $schema: ADAPTIVE_CARD_SCHEMA,
          type: 'AdaptiveCard',
          version: ADAPTIVE_CARD_VERSION,
          body: [
            {
              type: 'TextBlock',
              text: escapeMarkdown(subjectLine(message)),
              size: 'Large',
              weight: 'Bolder',
              color: STATE_COLOR[alertState(message)],
              wrap: true,
            },
            {
              type: 'FactSet',
              facts: alertDetails(message).map((d) => ({
                title: d.label,
                value: clip(escapeMarkdown(d.value), FACT_MAX),
              })),
            },
          ],
          actions: [{ type: 'Action.OpenUrl', title: 'Open monitor', url: message.monitorLink }],
        },
      },
    ],
  };
}

/** Posts alerts as Adaptive Cards to a Microsoft Teams workflow (Power Automate) webhook. */
export class MsTeamsProvider extends ChannelUrlProvider<MsTeamsConfig, 'webhookUrl'> {
  readonly type = 'msteams';
  readonly configSchema = MsTeamsConfigSchema;
  // The workflow URL carries its signature (`sig=`): whoever has it can post to the channel.
  readonly secretFields: readonly (keyof MsTeamsConfig)[] = ['webhookUrl'];

  constructor(options: ReceiverOptions = {}) {
    super('webhookUrl', options);
  }

  async send(config: MsTeamsConfig, message: AlertMessage): Promise<void> {
    const url = new URL(config.webhookUrl);
    await this.post(config.webhookUrl, JSON.stringify(msTeamsMessage(message)), {
      receiver: 'Microsoft Teams',
      secrets: [config.webhookUrl, url.pathname, url.search.slice(1)],
    });
  }
}

/**
 * Adaptive Card Markdown knows emphasis (`*`, `_`) and links (`[text](url)`): a backslash keeps
 * those characters literal. Others are left alone, since an escape Teams does not know shows.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_[\]()`~]/g, (c) => `\\${c}`);
}
