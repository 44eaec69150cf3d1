import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Client } from 'undici';
import { sinceMs } from './phase-timeline';

/**
 * Why a finished check's client is destroyed: one shared error, so ending a connection builds no
 * error (and formats no stack trace) per check. Nobody reports it; the response was read in full.
 */
const CHECK_FINISHED = new Error('check finished');

/**
 * One check's clock and deadline, and everything it opened, so that the deadline (or the
 * caller's cancellation) can end it all. Any kind of check (HTTP now, TCP and TLS next) makes
 * one, registers its sockets and clients as it opens them, and disposes of it when done.
 *
 * The deadline is a plain timer that destroys the check's own clients and sockets, not an
 * `AbortSignal` handed to undici: every check has a client of its own, so destroying it ends
 * whatever it is doing, while a signal per check cost an `AbortController`, its listeners and
 * undici's abort bookkeeping on every request (a few per cent of a busy prober's CPU).
 */
export class CheckDeadline {
  readonly startedAt = new Date().toISOString();
  private abortedFlag = false;
  private timedOutFlag = false;
  private rejectAbortion?: (err: Error) => void;
  private abortion?: Promise<never>;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  /** Arrays, not sets: a check without redirects has one of each. */
  private readonly sockets: Socket[] = [];
  private readonly clients: Client[] = [];
  private readonly cancel = () => this.abort();

  constructor(
    readonly timeoutMs: number,
    private readonly outer: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => {
      this.timedOutFlag = true;
      this.abort();
    }, timeoutMs);
    if (outer?.aborted) this.cancel();
    else outer?.addEventListener('abort', this.cancel);
  }

  /** The deadline passed or the caller cancelled: everything the check opened is destroyed. */
  get aborted(): boolean {
    return this.abortedFlag;
  }

  get timedOut(): boolean {
    return this.timedOutFlag;
  }

  get cancelled(): boolean {
    return this.outer?.aborted === true && !this.timedOutFlag;
  }

  /**
   * Rejects on abort, to race waits that cannot be cancelled themselves (DNS lookups). Made on
   * first use: most checks dial an address and never need it.
   */
  get abortedWait(): Promise<never> {
    if (!this.abortion) {
      this.abortion = new Promise<never>((_, reject) => {
        if (this.abortedFlag) reject(new Error('check aborted'));
        this.rejectAbortion = reject;
      });
      this.abortion.catch(() => undefined);
    }
    return this.abortion;
  }

  elapsedMs(): number {
    return sinceMs(this.started);
  }

  track(socket: Socket): void {
    this.sockets.push(socket);
    if (this.abortedFlag) socket.destroy(new Error('check aborted'));
  }

  /** A client made after the abort (a redirect hop racing the deadline) dies at once too. */
  trackClient(client: Client): void {
    this.clients.push(client);
    if (this.abortedFlag) client.destroy(new Error('check aborted')).catch(() => undefined);
  }

  /**
   * Stops the clock and ends what the check opened. `answered`: the final response was read to
   * its end, so nothing is left in flight on any connection.
   */
  async dispose(answered: boolean): Promise<void> {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.cancel);
    // A check that read its answer ends its clients with one shared reason. undici's own close()
    // and a bare destroy() each build a ClientDestroyedError per client, and destroying the socket
    // with it formats its stack: about 4 % of a busy prober's CPU for an error nobody reads.
    const quiet = answered && !this.abortedFlag;
    await Promise.all(
      this.clients.map((c) => c.destroy(quiet ? CHECK_FINISHED : null).catch(() => undefined)),
    );
    if (!quiet) this.destroySockets();
  }

  /**
   * Ends the check where it is: the request or body read in progress fails with undici's error
   * for a destroyed client, pending connects and handshakes fail at once (with a reason rather
   * than waiting), and a DNS wait is cut short. `explainFailure` then reports the deadline or the
   * cancellation, not the error it caused.
   */
  private abort(): void {
    if (this.abortedFlag) return;
    this.abortedFlag = true;
    const reason = new Error('check aborted');
    this.rejectAbortion?.(reason);
    this.destroySockets(reason);
    for (const client of this.clients) client.destroy(reason).catch(() => undefined);
  }

  private destroySockets(reason?: Error): void {
    for (const socket of this.sockets) socket.destroy(reason);
  }
}
