import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION } from './nats-connection';

/** NATS's own default, for a connection that has not heard the server's INFO yet. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * How many bytes one message on the bus may carry, as the server NATS connected to says
 * (`max_payload`, 1 MB unless the operator changed it). Lists fill their pages by bytes against
 * `pageBytes`, not by a count, so no page of large items outgrows a message.
 */
@Injectable()
export class PayloadBudget {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  get maxPayload(): number {
    return this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  /**
   * Three quarters of the maximum: a page stops before the item that would pass it (only a first
   * item larger than the budget goes alone), so the rest is room for the reply's envelope and
   * headers. A thousand plain monitors (~650 bytes each) still fit one page of a 1 MB message.
   */
  get pageBytes(): number {
    return Math.floor(this.maxPayload * 0.75);
  }
}

/**
 * The leading rows, as items, that fit `budget` bytes of JSON and `max` items. The first always
 * goes in, so a page is never empty while rows remain and a list always moves forward.
 */
export function takeWithin<R, T>(
  rows: readonly R[],
  max: number,
  budget: number,
  toItem: (row: R) => T,
): T[] {
  const items: T[] = [];
  let bytes = 2; // the brackets of the array
  for (const row of rows) {
    if (items.length >= max) break;
    const item = toItem(row);
    const size = Buffer.byteLength(JSON.stringify(item)) + 1; // and its comma
    if (items.length > 0 && bytes + size > budget) break;
    items.push(item);
    bytes += size;
  }
  return items;
}
