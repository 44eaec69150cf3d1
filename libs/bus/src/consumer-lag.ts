import type { NatsConnection } from 'nats';
import { Gauge, type Registry } from 'prom-client';

interface Watched {
  nc: NatsConnection;
  stream: string;
  durable: string;
}

interface Lag {
  stream: string;
  durable: string;
  pending: number;
  ackPending: number;
}

const GAUGES = [
  [
    'uptime_jetstream_consumer_pending',
    'Messages of the stream not yet delivered to the durable consumer (its lag)',
    'pending',
  ],
  [
    'uptime_jetstream_consumer_ack_pending',
    'Messages delivered to the durable consumer and not yet acknowledged',
    'ackPending',
  ],
] as const;

/** A scrape does not wait longer than this for NATS; a consumer it could not read is left out. */
const INFO_TIMEOUT_MS = 1000;

/**
 * JetStream consumer lag, exported by the app that owns the consumer: messages not yet delivered
 * (`num_pending`) and delivered but not yet acked (`num_ack_pending`), read from the server at
 * each scrape. One pair of gauges per registry, one series per consumer.
 */
export class ConsumerLag {
  private static readonly byRegistry = new WeakMap<Registry, ConsumerLag>();
  private readonly watched = new Map<string, Watched>();

  /** The scrape's one read of every consumer, shared by both gauges. */
  private reading?: Promise<Lag[]>;

  private constructor(registry: Registry) {
    const labelNames = ['stream', 'consumer'] as const;
    const read = () => this.read();
    for (const [name, help, field] of GAUGES) {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          const lags = await read();
          this.reset();
          for (const lag of lags)
            this.set({ stream: lag.stream, consumer: lag.durable }, lag[field]);
        },
      });
    }
  }

  /**
   * A scrape collects every metric at once (one `collect` right after the other), so the two
   * gauges share one round trip per consumer.
   */
  private read(): Promise<Lag[]> {
    this.reading ??= Promise.all([...this.watched.values()].map(readLag))
      .then((lags) => lags.filter((lag): lag is Lag => lag !== undefined))
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** The lag gauges of `registry` (made on first use). */
  static of(registry: Registry): ConsumerLag {
    let lag = ConsumerLag.byRegistry.get(registry);
    if (!lag) {
      lag = new ConsumerLag(registry);
      ConsumerLag.byRegistry.set(registry, lag);
    }
    return lag;
  }

  watch(nc: NatsConnection, stream: string, durable: string): void {
    this.watched.set(`${stream}/${durable}`, { nc, stream, durable });
  }
}

async function readLag(w: Watched): Promise<Lag | undefined> {
  try {
    // No account check: one round trip per consumer per scrape, the info itself.
    const jsm = await w.nc.jetstreamManager({ timeout: INFO_TIMEOUT_MS, checkAPI: false });
    const info = await jsm.consumers.info(w.stream, w.durable);
    return {
      stream: w.stream,
      durable: w.durable,
      pending: info.num_pending,
      ackPending: info.num_ack_pending,
    };
  } catch {
    return undefined;
  }
}
