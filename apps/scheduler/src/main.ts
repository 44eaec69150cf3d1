import 'reflect-metadata';
import { runStandalone } from '@uptime/service-host';
import { loadSchedulerConfig } from './config';

// The configuration is read before the app's modules load (seconds on a busy host): a mistake in
// it is told at once.
void runStandalone('scheduler', async () => {
  const config = loadSchedulerConfig(process.env);
  const { startScheduler } = await import('./bootstrap.js');
  return startScheduler(config);
});
