import 'reflect-metadata';
import { runStandalone } from '@uptime/service-host';
import { loadRegistryConfig } from './config';

// The configuration is read before the app's modules load (seconds on a busy host): a mistake in
// it is told at once.
void runStandalone('monitor-registry', async () => {
  const config = loadRegistryConfig(process.env);
  const { startRegistry } = await import('./bootstrap.js');
  return startRegistry(config);
});
