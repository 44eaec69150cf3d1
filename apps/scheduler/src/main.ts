import 'reflect-metadata';
import { runStandalone } from '@uptime/service-host';
import { startScheduler } from './bootstrap';
import { loadSchedulerConfig } from './config';

void runStandalone('scheduler', () => startScheduler(loadSchedulerConfig(process.env)));
