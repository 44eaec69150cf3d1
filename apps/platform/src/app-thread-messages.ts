import type { HealthIndicatorResult } from '@nestjs/terminus';
import type { LogFormat } from '@uptime/config';
import type { Registry } from 'prom-client';
import type { Env, QuietAppName } from './starters';

/** What an app's thread is started with (its `workerData`). */
export interface AppThreadData {
  app: QuietAppName;
  /** The label in the platform's lines and health (`prober-eu` for one of several probers). */
  label: string;
  env: Env;
  logFormat: LogFormat;
  otlpEndpoint?: string;
}

export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** From the platform to an app's thread. */
export type ToAppThread =
  { kind: 'readiness'; id: number } | { kind: 'metrics'; id: number } | { kind: 'close' };

/** From an app's thread to the platform. */
export type FromAppThread =
  | { kind: 'started' }
  | { kind: 'failed'; message: string }
  | { kind: 'readiness'; id: number; result: HealthIndicatorResult }
  | { kind: 'metrics'; id: number; metrics: MetricsJson }
  | { kind: 'closed'; error?: string };
