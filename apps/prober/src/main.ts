import 'reflect-metadata';
import { runStandalone } from '@uptime/service-host';
import { startProber } from './bootstrap';
import { loadProberConfig } from './config';

void runStandalone('prober', () => startProber(loadProberConfig(process.env)));
