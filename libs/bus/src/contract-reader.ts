import { Logger } from '@nestjs/common';
import { RateLimitedLog } from '@uptime/health';
import { type JsMsg, JSONCodec } from 'nats';
import { Counter, type Registry } from 'prom-client';
import type { z } from 'zod';

const codec = JSONCodec<unknown>();

/**
 * Reads a JetStream message against its payload's contract. A malformed one is terminated: no
 * redelivery would ever make it valid, and retrying it forever would hold its consumer back. It is
 * counted and logged at most every 10 s, so a flood of them stays visible without drowning the log.
 */
export class ContractReader<T> {
  /** Messages terminated as malformed since start. */
  dropped = 0;
  private readonly log: RateLimitedLog;
  private readonly counter?: Counter;

  /** `registry`: where the counter `uptime_<durable>_malformed_messages_total` goes. */
  constructor(
    private readonly schema: z.ZodType<T>,
    name: string,
    durable: string,
    registry?: Registry,
  ) {
    this.log = new RateLimitedLog(new Logger(name));
    if (registry === undefined) return;
    this.counter = new Counter({
      name: `uptime_${durable.replace(/[^A-Za-z0-9_]/g, '_')}_malformed_messages_total`,
      help: `Messages of the durable consumer ${durable} dropped as malformed (terminated, never redelivered)`,
      registers: [registry],
    });
  }

  /** The payload, or undefined when the message was malformed (and is now terminated). */
  read(m: JsMsg): T | undefined {
    const parsed = this.schema.safeParse(decode(m));
    if (parsed.success) return parsed.data;
    m.term();
    this.dropped++;
    this.counter?.inc();
    this.log.warn(`dropped a malformed message (seq ${m.seq})`);
    return undefined;
  }
}

function decode(m: JsMsg): unknown {
  try {
    return codec.decode(m.data);
  } catch {
    return undefined;
  }
}
