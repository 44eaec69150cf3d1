import 'reflect-metadata';
import { runStandalone } from '@uptime/service-host';
import { startRegistry } from './bootstrap';
import { loadRegistryConfig } from './config';

void runStandalone('monitor-registry', () => startRegistry(loadRegistryConfig(process.env)));
