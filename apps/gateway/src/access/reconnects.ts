import { Events, type NatsConnection, type Status } from 'nats';

/**
 * Calls `listener` after every reconnect of `nc`. Core NATS notices sent while the connection was
 * down are lost, so what a service remembers on the promise that a notice would tell it of a
 * change must be forgotten then. Returns what stops the watch.
 */
export function onReconnect(nc: NatsConnection, listener: () => void): () => void {
  const statuses = nc.status();
  void (async () => {
    for await (const status of statuses) if (status.type === Events.Reconnect) listener();
  })();
  return () => {
    if (isStoppable(statuses)) statuses.stop();
  };
}

function isStoppable(
  statuses: AsyncIterable<Status>,
): statuses is AsyncIterable<Status> & { stop(): void } {
  return 'stop' in statuses && typeof statuses.stop === 'function';
}
