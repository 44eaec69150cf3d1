import type { RunningService } from '@uptime/service-host';
import { startMetrics } from '../../metrics/src/bootstrap';
import { loadMetricsConfig } from '../../metrics/src/config';
import { startRegistry } from '../../monitor-registry/src/bootstrap';
import { loadRegistryConfig } from '../../monitor-registry/src/config';
import { startNotifier } from '../../notifier/src/bootstrap';
import { loadNotifierConfig } from '../../notifier/src/config';
import { startProber } from '../../prober/src/bootstrap';
import { loadProberConfig } from '../../prober/src/config';
import { startScheduler } from '../../scheduler/src/bootstrap';
import { loadSchedulerConfig } from '../../scheduler/src/config';
import type { AppName } from './config';

export type Env = Record<string, string | undefined>;

/** The apps that run beside the gateway, which alone listens. */
export type QuietAppName = Exclude<AppName, 'gateway'>;

/** Each app but the gateway, started without its own HTTP port, from its own validated config. */
export const STARTERS: Record<QuietAppName, (env: Env) => Promise<RunningService>> = {
  'monitor-registry': (env) => startRegistry(loadRegistryConfig(env), false),
  scheduler: (env) => startScheduler(loadSchedulerConfig(env), false),
  prober: (env) => startProber(loadProberConfig(env), false),
  metrics: (env) => startMetrics(loadMetricsConfig(env), false),
  notifier: (env) => startNotifier(loadNotifierConfig(env), false),
};
