import { createHash } from 'node:crypto';
import { phaseOf } from '@uptime/contracts';

/**
 * A monitor runs at fixed slots `phase + k × interval` (epoch ms); `phaseOf` lives in the
 * contracts, since the metrics service counts the slots a monitor was expected to have.
 */
export { phaseOf };

/** The first slot strictly after `afterMs`. */
export function nextSlot(monitorId: string, intervalMs: number, afterMs: number): number {
  const phase = phaseOf(monitorId, intervalMs);
  const k = Math.floor((afterMs - phase) / intervalMs) + 1;
  return phase + k * intervalMs;
}

/** A check id derived from (monitor, region, slot): a job published twice is the same check. */
export function checkIdOf(monitorId: string, region: string, slotMs: number): string {
  const bytes = createHash('sha1')
    .update(`${monitorId}|${region}|${slotMs}`)
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5 (name-based, SHA-1)
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
