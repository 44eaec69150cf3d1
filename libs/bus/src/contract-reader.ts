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
  /** Messages terminated as malformed since start, and malformed payloads left out of valid messages. */
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
      help: `Messages (or payloads of a message that carries several) of the durable consumer ${durable} dropped as malformed (never redelivered)`,
      registers: [registry],
    });
  }

  /** The payload, or undefined when the message was malformed (and is now terminated). */
  read(m: JsMsg): T | undefined {
    const parsed = this.schema.safeParse(decode(m));
    if (parsed.success) return parsed.data;
    this.terminate(m);
    return undefined;
  }

  /**
   * The valid payloads of a message that carries several (`split` says which). A malformed one
   * among valid ones is counted and left out, so it never holds its companions back; a message
   * with none valid is terminated and gives undefined.
   */
  readAll(m: JsMsg, split: (message: unknown) => unknown[]): T[] | undefined {
    const decoded = decode(m);
    const payloads = decoded === undefined ? [] : split(decoded);
    const valid: T[] = [];
    for (const payload of payloads) {
      const parsed = this.schema.safeParse(payload);
      if (parsed.success) valid.push(parsed.data);
    }
    if (valid.length === 0) {
      this.terminate(m);
      return undefined;
    }
    const malformed = payloads.length - valid.length;
    if (malformed > 0)
      this.count(malformed, `${malformed} malformed of message ${m.seq}, left out`);
    return valid;
  }

  private terminate(m: JsMsg): void {
    m.term();
    this.count(1, `dropped a malformed message (seq ${m.seq})`);
  }

  private count(n: number, warning: string): void {
    this.dropped += n;
    this.counter?.inc(n);
    this.log.warn(warning);
  }
}

function decode(m: JsMsg): unknown {
  try {
    return codec.decode(m.data);
  } catch {
    return undefined;
  }
}
