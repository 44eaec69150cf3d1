import 'reflect-metadata';
import { runStandalone } from '@uptime/service-host';
import { startNotifier } from './bootstrap';
import { loadNotifierConfig } from './config';

void runStandalone('notifier', () => startNotifier(loadNotifierConfig(process.env)));
