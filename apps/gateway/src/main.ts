import 'reflect-metadata';
import { runStandalone } from '@uptime/service-host';
import { startGateway } from './bootstrap';
import { loadGatewayConfig } from './config';

void runStandalone('gateway', () => startGateway(loadGatewayConfig(process.env)));
