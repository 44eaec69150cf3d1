import 'reflect-metadata';
import { runStandalone } from '@uptime/service-host';
import { loadProberConfig } from './config';

// The configuration is read before the app's modules load (seconds on a busy host): a mistake in
// it is told at once.
void runStandalone('prober', async () => {
  const config = loadProberConfig(process.env);
  const { startProber } = await import('./bootstrap.js');
  return startProber(config);
});
