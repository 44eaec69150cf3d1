import { connect, type ConnectionOptions, type NatsConnection } from 'nats';

/** Injection token of the app's own NATS connection (JetStream, KV, health). */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

export interface BusOptions {
  natsUrl: string;
  /** Shown in the NATS server's connection list, so an operator can tell the apps apart. */
  name: string;
}

export function natsConnectionOptions(options: BusOptions): ConnectionOptions {
  return {
    servers: options.natsUrl,
    name: options.name,
    // A restarting NATS server must not take the app down: keep reconnecting.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: false,
    // Otherwise every request and JetStream publish captures a stack trace up front: at
    // thousands a second that was a few per cent of a prober's CPU, for errors that rarely happen.
    noAsyncTraces: true,
  };
}

export function connectBus(options: BusOptions): Promise<NatsConnection> {
  return connect(natsConnectionOptions(options));
}

/**
 * How long `/health/ready` waits for the NATS round trip; the deployment's readiness probes
 * (deploy/kubernetes) wait longer, so that a slow answer fails the check, not the probe.
 */
export const NATS_READINESS_TIMEOUT_MS = 1000;

/** Ready when the server answers a round trip within the deadline. */
export async function natsRoundTrip(
  nc: NatsConnection,
  timeoutMs = NATS_READINESS_TIMEOUT_MS,
): Promise<void> {
  if (nc.isClosed()) throw new Error('connection closed');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([nc.flush(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
