import { BusClient } from '@uptime/bus';

/** The gateway's line to the metrics service (NATS request/reply). */
export const METRICS_CLIENT = Symbol('METRICS_CLIENT');
export type MetricsClient = BusClient;
