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
  };
}

export const NOTIFIER_CONFIG = Symbol('NOTIFIER_CONFIG');
