import 'reflect-metadata';
import { runStandalone } from '@uptime/service-host';
import { loadMetricsConfig } from './config';

// The configuration is read before the app's modules load (seconds on a busy host): a mistake in
// it is told at once.
void runStandalone('metrics', async () => {
  const config = loadMetricsConfig(process.env);
  const { startMetrics } = await import('./bootstrap.js');
  return startMetrics(config);
});
