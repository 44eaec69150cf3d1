import { type Env, envFields, parseEnv } from '@uptime/config';
import { z } from 'zod';

const SchedulerEnvSchema = z.object({
  NATS_URL: envFields.natsUrl,
  PORT: envFields.port(3000),
  LOG_LEVEL: envFields.logLevel,
});

export interface SchedulerConfig {
  natsUrl: string;
  port: number;
  logLevel: z.output<typeof envFields.logLevel>;
}

export function loadSchedulerConfig(env: Env): SchedulerConfig {
  const e = parseEnv(SchedulerEnvSchema, env);
  return { natsUrl: e.NATS_URL, port: e.PORT, logLevel: e.LOG_LEVEL };
}
