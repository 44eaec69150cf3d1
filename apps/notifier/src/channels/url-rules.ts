import { TargetPolicy } from '@uptime/target-guard';
import { z } from 'zod';
import { ReceiverClient } from './http-post';

/** Plain http only reaches a receiver on this machine: a test double, never the service itself. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function parsedUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** An https URL, or plain http to this machine (a local receiver standing in for the service). */
export function isHttpsOrLoopbackUrl(value: string): boolean {
  const url = parsedUrl(value);
  if (!url) return false;
  if (url.protocol === 'https:') return url.hostname !== '';
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

export function isHttpUrl(value: string): boolean {
  const url = parsedUrl(value);
  return !!url && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/** A chat service's webhook URL: it is the credential, so plain http only on loopback. */
export const secureWebhookUrl = z
  .string({ message: 'must be a string' })
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .refine(isHttpsOrLoopbackUrl, 'must be an https URL (http only for localhost)');

/**
 * The fixed public APIs some channels send to. Only the operator may change them (`*_URL`
 * variables of the notifier, e.g. to point tests at a local receiver or to go through an egress
 * relay); a channel's config never names them, so a user cannot aim a credential elsewhere.
 */
export interface ChannelApiUrls {
  /** Events API v2 endpoint. */
  pagerDutyEventsUrl: string;
  /** Opsgenie's API in the US region and in the EU region. */
  opsgenieApiUrl: string;
  opsgenieEuApiUrl: string;
  /** The Bot API's root; `/bot<token>/sendMessage` is appended. */
  telegramApiUrl: string;
}

export const DEFAULT_CHANNEL_API_URLS: ChannelApiUrls = {
  pagerDutyEventsUrl: 'https://events.pagerduty.com/v2/enqueue',
  opsgenieApiUrl: 'https://api.opsgenie.com',
  opsgenieEuApiUrl: 'https://api.eu.opsgenie.com',
  telegramApiUrl: 'https://api.telegram.org',
};

/**
 * A client for the operator's fixed API URLs. They are configuration, not user input, so the
 * target guard's private-address rule does not apply (an egress relay may well be private); cloud
 * metadata addresses stay refused, as everywhere.
 */
export function operatorApiClient(): ReceiverClient {
  return new ReceiverClient(new TargetPolicy({ allowPrivate: true }));
}

/** `text` cut to `max` characters with an ellipsis: services refuse a whole message over a limit. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Without a trailing slash, so that paths can be appended. */
export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
