import { BusClient } from '@uptime/bus';

/** The gateway's line to the notifier (NATS request/reply). */
export const NOTIFIER_CLIENT = Symbol('NOTIFIER_CLIENT');
export type NotifierClient = BusClient;
