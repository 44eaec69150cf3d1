import { type Env, envFields, parseEnv } from '@uptime/config';
import { z } from 'zod';

const ProberEnvSchema = z.object({
  NATS_URL: envFields.natsUrl,
  PORT: envFields.port(3000),
  LOG_LEVEL: envFields.logLevel,
});

export interface ProberConfig {
  natsUrl: string;
  port: number;
  logLevel: z.output<typeof envFields.logLevel>;
}

export function loadProberConfig(env: Env): ProberConfig {
  const e = parseEnv(ProberEnvSchema, env);
  return { natsUrl: e.NATS_URL, port: e.PORT, logLevel: e.LOG_LEVEL };
}
