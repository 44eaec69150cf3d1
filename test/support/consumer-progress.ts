import type { NatsConnection } from 'nats';
import { waitFor } from './wait-for';

/**
 * Waits until a durable consumer has acked every message its stream held when the wait began:
 * whatever those messages cause (an alert, a stored check) has then been committed, since the
 * services ack only after their commit. A test that asserts "nothing more" waits on this instead
 * of the clock, so it waits no longer than the consumer needs and a duplicate that takes its time
 * is still counted.
 */
export async function waitForConsumerCaughtUp(
  nc: NatsConnection,
  stream: string,
  durable: string,
  timeoutMs = 15_000,
): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const lastSeq = (await jsm.streams.info(stream)).state.last_seq;
  await waitFor(
    `consumer ${durable} to ack ${stream} up to sequence ${lastSeq}`,
    async () => {
      const info = await jsm.consumers.info(stream, durable);
      // Everything up to the floor is acked. A filtered consumer's floor stays at its own last
      // message, so "nothing pending, nothing unacked" says the same for it.
      return (
        info.ack_floor.stream_seq >= lastSeq ||
        (info.num_pending === 0 && info.num_ack_pending === 0)
      );
    },
    timeoutMs,
    20,
  );
}
