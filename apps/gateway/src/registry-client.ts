import { BusClient } from '@uptime/bus';

/** The gateway's line to the monitor registry (NATS request/reply). */
export const REGISTRY_CLIENT = Symbol('REGISTRY_CLIENT');
export type RegistryClient = BusClient;
