import 'reflect-metadata';
import { runStandalone } from '@uptime/service-host';
import { loadGatewayConfig } from './config';

// The configuration is read before the app's modules load (seconds on a busy host): a mistake in
// it is told at once.
void runStandalone('gateway', async () => {
  const config = loadGatewayConfig(process.env);
  const { startGateway } = await import('./bootstrap.js');
  return startGateway(config);
});
