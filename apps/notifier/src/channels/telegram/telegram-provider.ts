import { z } from 'zod';
import { type AlertMessage, alertDetails, subjectLine } from '../alert-message';
import { HttpChannelProvider } from '../http-channel';
import {
  DEFAULT_CHANNEL_API_URLS,
  clip,
  operatorApiClient,
  withoutTrailingSlash,
} from '../url-rules';

/** Telegram refuses a message text longer than this (after entities are parsed). */
const TEXT_MAX = 4096;
const VALUE_MAX = 1000;

export const TelegramConfigSchema = z
  .object({
    botToken: z
      .string({ message: 'must be a string' })
      .trim()
      .regex(
        /^\d{1,20}:[A-Za-z0-9_-]{30,100}$/,
        'must be a bot token from @BotFather, <id>:<secret>',
      ),
    chatId: z
      .union([z.string().trim(), z.number().int()], { message: 'must be a string or an integer' })
      .transform(String)
      .refine(
        (id) => /^-?\d{1,20}$/.test(id) || /^@[A-Za-z][A-Za-z0-9_]{4,31}$/.test(id),
        'must be a numeric chat id (e.g. -1001234567890) or a public @channelusername',
      ),
  })
  .strict();
export type TelegramConfig = z.output<typeof TelegramConfigSchema>;

/** `sendMessage`, as https://core.telegram.org/bots/api#sendmessage documents it. */
export interface TelegramSendMessage {
  chat_id: string;
  text: string;
  parse_mode: 'HTML';
  disable_web_page_preview: true;
}

/**
 * The message in Telegram's HTML mode: the subject in bold, one line per detail, and a link to the
 * monitor. Every piece of text is escaped (`&`, `<`, `>`): an unescaped `<` in a monitor's name
 * would make Telegram refuse the message, or render markup its owner chose.
 */
export function telegramMessage(
  config: TelegramConfig,
  message: AlertMessage,
): TelegramSendMessage {
  const lines = [
    `<b>${escapeHtml(subjectLine(message))}</b>`,
    '',
    ...alertDetails(message).map(
      (d) => `<b>${escapeHtml(d.label)}:</b> ${escapeHtml(clip(d.value, VALUE_MAX))}`,
    ),
    '',
    `<a href="${escapeHtml(message.monitorLink)}">Open monitor</a>`,
  ];
  return {
    chat_id: config.chatId,
    text: fitText(lines.join('\n')),
    parse_mode: 'HTML',
    disable_web_page_preview: true,
  };
}

export interface TelegramOptions {
  timeoutMs?: number;
  /** `TELEGRAM_API_URL`: the operator's, never a channel's. */
  apiUrl?: string;
}

/**
 * Sends alerts through a Telegram bot to a chat. The bot token is in the URL's path, so it is
 * scrubbed from every error (which becomes the alert's `lastError`) and never logged.
 */
export class TelegramProvider extends HttpChannelProvider<TelegramConfig> {
  readonly type = 'telegram';
  readonly configSchema = TelegramConfigSchema;
  readonly secretFields: readonly (keyof TelegramConfig)[] = ['botToken'];
  private readonly apiUrl: string;

  constructor(options: TelegramOptions = {}) {
    super(operatorApiClient(), options.timeoutMs);
    this.apiUrl = withoutTrailingSlash(options.apiUrl ?? DEFAULT_CHANNEL_API_URLS.telegramApiUrl);
  }

  async send(config: TelegramConfig, message: AlertMessage): Promise<void> {
    await this.post(
      `${this.apiUrl}/bot${config.botToken}/sendMessage`,
      JSON.stringify(telegramMessage(config, message)),
      {
        receiver: 'Telegram',
        secrets: [config.botToken, config.botToken.split(':')[1] ?? ''],
      },
    );
  }
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Within Telegram's limit; the details are each bounded, so this only cuts in odd cases. */
function fitText(text: string): string {
  if (text.length <= TEXT_MAX) return text;
  // Cutting inside a tag or an entity would make the HTML invalid: keep only whole lines.
  const kept: string[] = [];
  let size = 0;
  for (const line of text.split('\n')) {
    if (size + line.length + 1 > TEXT_MAX) break;
    kept.push(line);
    size += line.length + 1;
  }
  return kept.join('\n');
}
