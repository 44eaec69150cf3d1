import { performance } from 'node:perf_hooks';
import type { CheckTimings } from '@uptime/contracts';

/** The phases of a check, in order; each has one timing on the result. */
export type Phase = 'dns' | 'connect' | 'tls' | 'response' | 'body';

const TIMING_OF: Record<Phase, keyof CheckTimings> = {
  dns: 'dnsMs',
  connect: 'connectMs',
  tls: 'tlsMs',
  response: 'firstByteMs',
  body: 'transferMs',
};

/**
 * One connection's phases: which one is under way (a timeout names it) and how long each
 * finished one took. A failure reports what was reached, so the timeline is written as the
 * connection goes rather than returned at its end.
 */
export class PhaseTimeline {
  phase: Phase = 'dns';
  readonly timings: CheckTimings = {
    dnsMs: null,
    connectMs: null,
    tlsMs: null,
    firstByteMs: null,
    transferMs: null,
  };
  private began = performance.now();

  start(phase: Phase): void {
    this.phase = phase;
    this.began = performance.now();
  }

  /** Records the phase under way as taking `ms`, by default the time since it started. */
  finish(ms: number = sinceMs(this.began)): void {
    this.timings[TIMING_OF[this.phase]] = ms;
  }
}

/** Milliseconds since a `performance.now()` mark, to a tenth: enough for a loopback phase. */
export function sinceMs(mark: number): number {
  return Math.round((performance.now() - mark) * 10) / 10;
}
