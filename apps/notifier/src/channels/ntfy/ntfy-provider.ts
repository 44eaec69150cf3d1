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
import {
  clip,
  isHttpUrl,
  isHttpsOrLoopbackUrl,
  parsedUrl,
  withoutTrailingSlash,
} from '../url-rules';

export const DEFAULT_NTFY_SERVER = 'https://ntfy.sh';
const MESSAGE_MAX = 4000;
const TITLE_MAX = 250;
/** ntfy's `default` priority: what everything but an outage goes out with. */
const DEFAULT_PRIORITY = 3;

export const NtfyConfigSchema = z
  .object({
    serverUrl: z
      .string({ message: 'must be a string' })
      .trim()
      .max(2048, 'must be at most 2048 characters')
      .refine(isNtfyServerUrl, 'must be an http(s) URL without a query, e.g. https://ntfy.sh')
      .transform(withoutTrailingSlash)
      .default(DEFAULT_NTFY_SERVER),
    topic: z
      .string({ message: 'must be a string' })
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, - or _'),
    accessToken: z
      .string({ message: 'must be a string' })
      .trim()
      .regex(/^[\x21-\x7e]{8,256}$/, 'must be an access token (tk_…), 8 to 256 characters')
      .optional(),
    // Of outages, 1 (min) to 5 (max); everything else goes out at ntfy's default, 3.
    priority: z
      .number({ message: 'must be an integer from 1 to 5' })
      .int('must be an integer from 1 to 5')
      .min(1, 'must be an integer from 1 to 5')
      .max(5, 'must be an integer from 1 to 5')
      .default(4),
  })
  .strict()
  .refine((config) => !config.accessToken || isHttpsOrLoopbackUrl(config.serverUrl), {
    path: ['serverUrl'],
    message: 'must be https when an accessToken is set (http only for localhost)',
  });
export type NtfyConfig = z.output<typeof NtfyConfigSchema>;

/** ntfy's tags that are emoji short codes show as the notification's icon. */
const STATE_TAGS: Record<AlertState, string> = {
  down: 'rotating_light',
  degraded: 'warning',
  up: 'white_check_mark',
  test: 'information_source',
  certificate: 'lock',
  partial: 'warning',
};

/** A JSON publish to the server's root, as https://docs.ntfy.sh/publish/#publish-as-json documents it. */
export interface NtfyPublish {
  topic: string;
  title: string;
  message: string;
  priority: number;
  tags: string[];
  click: string;
  actions: { action: 'view'; label: string; url: string }[];
}

export function ntfyPublish(config: NtfyConfig, message: AlertMessage): NtfyPublish {
  const state = alertState(message);
  return {
    topic: config.topic,
    title: clip(subjectLine(message), TITLE_MAX),
    message: clip(
      alertDetails(message)
        .filter((d) => d.label !== 'Monitor')
        .map((d) => `${d.label}: ${d.value}`)
        .join('\n'),
      MESSAGE_MAX,
    ),
    priority: state === 'down' ? config.priority : DEFAULT_PRIORITY,
    tags: [STATE_TAGS[state], 'uptime'],
    click: message.monitorLink,
    actions: [{ action: 'view', label: 'Open monitor', url: message.monitorLink }],
  };
}

/**
 * Publishes alerts to an ntfy topic, on ntfy.sh or a server of the channel's own. The server URL
 * is user input and goes through the target guard; the access token, when the topic needs one,
 * is the secret, and changing the server requires giving it again.
 */
export class NtfyProvider extends ChannelUrlProvider<NtfyConfig, 'serverUrl'> {
  readonly type = 'ntfy';
  readonly configSchema = NtfyConfigSchema;
  readonly secretFields: readonly (keyof NtfyConfig)[] = ['accessToken'];
  readonly secretBoundTo: Partial<Record<keyof NtfyConfig, keyof NtfyConfig>> = {
    accessToken: 'serverUrl',
  };

  constructor(options: ReceiverOptions = {}) {
    super('serverUrl', options);
  }

  async send(config: NtfyConfig, message: AlertMessage): Promise<void> {
    const token = config.accessToken;
    await this.post(`${config.serverUrl}/`, JSON.stringify(ntfyPublish(config, message)), {
      receiver: 'ntfy',
      secrets: token ? [token] : [],
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  }
}

/** http or https; credentials belong in `accessToken`, not in the URL, and a query has no place. */
function isNtfyServerUrl(value: string): boolean {
  const url = parsedUrl(value);
  return !!url && isHttpUrl(value) && !url.username && !url.password && !url.search && !url.hash;
}
