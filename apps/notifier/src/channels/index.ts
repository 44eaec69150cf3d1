/**
 * Alert channels: what the rest of the notifier needs to validate a channel's config, show it
 * without its secrets, and send an alert through it.
 */
import type { BlockedTargetLog, TargetPolicy } from '@uptime/target-guard';
import { type AnyChannelProvider, ChannelProviders } from './channel-provider';
import { DiscordProvider } from './discord/discord-provider';
import { EmailProvider } from './email/email-provider';
import { MsTeamsProvider } from './msteams/msteams-provider';
import { NtfyProvider } from './ntfy/ntfy-provider';
import { OpsgenieProvider } from './opsgenie/opsgenie-provider';
import { PagerDutyProvider } from './pagerduty/pagerduty-provider';
import { SlackProvider } from './slack/slack-provider';
import { TelegramProvider } from './telegram/telegram-provider';
import { type ChannelApiUrls, DEFAULT_CHANNEL_API_URLS } from './url-rules';
import { WebhookProvider } from './webhook/webhook-provider';

export {
  ALERT_KINDS,
  alertCauseOf,
  type AlertCause,
  type AlertIncident,
  type AlertKind,
  type AlertMessage,
  describeCause,
  formatDuration,
  formatUtc,
  subjectLine,
} from './alert-message';
export {
  type AnyChannelProvider,
  CHANNEL_TYPES,
  type ChannelConfig,
  type ChannelProvider,
  ChannelProviders,
  type ChannelType,
  DeliveryError,
  isChannelType,
  validateChannelConfig,
} from './channel-provider';
export {
  type EmailConfig,
  EmailProvider,
  escapeHtml,
  type OutgoingMail,
} from './email/email-provider';
export { type SlackConfig, SlackProvider } from './slack/slack-provider';
export { type DiscordConfig, DiscordProvider } from './discord/discord-provider';
export { type MsTeamsConfig, MsTeamsProvider } from './msteams/msteams-provider';
export { type NtfyConfig, NtfyProvider } from './ntfy/ntfy-provider';
export { type OpsgenieConfig, OpsgenieProvider } from './opsgenie/opsgenie-provider';
export { type PagerDutyConfig, PagerDutyProvider } from './pagerduty/pagerduty-provider';
export { type TelegramConfig, TelegramProvider } from './telegram/telegram-provider';
export { type ChannelApiUrls, DEFAULT_CHANNEL_API_URLS } from './url-rules';
export {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  WEBHOOK_PAYLOAD_EXAMPLE,
  type WebhookConfig,
  type WebhookPayload,
  WebhookProvider,
  signWebhook,
  verifyWebhookSignature,
} from './webhook/webhook-provider';

export interface ChannelProvidersOptions {
  /** `SMTP_URL`; without it email channels cannot be created or sent. */
  smtpUrl?: string;
  /** `MAIL_FROM`; required with `smtpUrl`. */
  mailFrom?: string;
  /** `PROBE_ALLOW_PRIVATE`, `PROBE_ALLOWED_CIDRS`: which addresses webhook and Slack URLs reach. */
  targets: TargetPolicy;
  /** Counts and logs deliveries the target guard refused. */
  blocked?: BlockedTargetLog;
  /** The fixed APIs of PagerDuty, Opsgenie and Telegram; the public ones unless set. */
  apis?: Partial<ChannelApiUrls>;
}

/** Every provider this deployment can use; email only when SMTP is configured. */
export function createChannelProviders(options: ChannelProvidersOptions): ChannelProviders {
  const { targets, blocked } = options;
  const apis = { ...DEFAULT_CHANNEL_API_URLS, ...options.apis };
  const providers: AnyChannelProvider[] = [
    new WebhookProvider({ targets, blocked }),
    new SlackProvider({ targets, blocked }),
    new MsTeamsProvider({ targets, blocked }),
    new DiscordProvider({ targets, blocked }),
    new NtfyProvider({ targets, blocked }),
    new PagerDutyProvider({ eventsUrl: apis.pagerDutyEventsUrl }),
    new OpsgenieProvider({ apiUrl: apis.opsgenieApiUrl, euApiUrl: apis.opsgenieEuApiUrl }),
    new TelegramProvider({ apiUrl: apis.telegramApiUrl }),
  ];
  if (options.smtpUrl) {
    if (!options.mailFrom) throw new Error('MAIL_FROM is required when SMTP_URL is set');
    providers.push(new EmailProvider({ smtpUrl: options.smtpUrl, from: options.mailFrom }));
  }
  return new ChannelProviders(providers);
}
