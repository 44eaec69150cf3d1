import 'reflect-metadata';
import { runStandalone } from '@uptime/service-host';
import { loadNotifierConfig } from './config';

// The configuration is read before the app's modules load (seconds on a busy host): a mistake in
// it is told at once.
void runStandalone('notifier', async () => {
  const config = loadNotifierConfig(process.env);
  const { startNotifier } = await import('./bootstrap.js');
  return startNotifier(config);
});
