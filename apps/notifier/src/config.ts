import { type Env, envFields, parseEnv } from '@uptime/config';
import { z } from 'zod';

const NotifierEnvSchema = z.object({
  NATS_URL: envFields.natsUrl,
  PORT: envFields.port(3000),
  LOG_LEVEL: envFields.logLevel,
});

export interface NotifierConfig {
  natsUrl: string;
  port: number;
  logLevel: z.output<typeof envFields.logLevel>;
}

export function loadNotifierConfig(env: Env): NotifierConfig {
  const e = parseEnv(NotifierEnvSchema, env);
  return { natsUrl: e.NATS_URL, port: e.PORT, logLevel: e.LOG_LEVEL };
}
