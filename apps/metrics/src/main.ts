import 'reflect-metadata';
import { runStandalone } from '@uptime/service-host';
import { startMetrics } from './bootstrap';
import { loadMetricsConfig } from './config';

void runStandalone('metrics', () => startMetrics(loadMetricsConfig(process.env)));
