import { statfs } from 'node:fs/promises';
import { connect, type NatsConnection } from 'nats';
import type { EmbeddedLog } from './embedded-process';

/** What the platform's health and metrics say about the embedded nats-server's JetStream. */
export interface JetStreamHealth {
  /** JetStream answered the last probe. */
  available: boolean;
  /** When `available` last changed (ms since the epoch). */
  since: number;
  /** Restarts of the nats-server because JetStream stopped answering. */
  restarts: number;
  /** Why the last probe failed, while unavailable. */
  problem?: string;
}

export interface JetStreamWatchOptions {
  /** How often JetStream is asked for its account info. */
  everyMs: number;
  /** How long one answer may take. */
  timeoutMs: number;
  /** Failed probes in a row (core NATS answering) before the server is restarted. */
  failuresBeforeRestart: number;
  /** The wait after a restart before the next one, doubled after each up to `maxBackoffMs`. */
  firstBackoffMs: number;
  maxBackoffMs: number;
  /** Below this much free space in the store's file system a restart waits: it would fail again. */
  minFreeBytes: number;
}

/**
 * One probe a few seconds apart, three failures (about 15 s) before a restart, so a loaded
 * host's slow answer is not taken for a stuck JetStream; then 10 s, 20 s, … up to 5 minutes
 * between restarts while it does not come back.
 */
export const JETSTREAM_WATCH_DEFAULTS: JetStreamWatchOptions = {
  everyMs: 5_000,
  timeoutMs: 4_000,
  failuresBeforeRestart: 3,
  firstBackoffMs: 10_000,
  maxBackoffMs: 300_000,
  minFreeBytes: 1024 * 1024,
};

/** JetStream answering for this long resets the backoff to its first step. */
const STABLE_MS = 60_000;
/** How often the free space is looked at while a restart waits for it. */
const SPACE_POLL_MS = 1_000;
/** At most one "still unavailable" line per this period. */
const REPORT_EVERY_MS = 60_000;

/** The server the watch restarts (EmbeddedProcess). */
export interface Restartable {
  restart(): Promise<void>;
}

/**
 * Watches the JetStream of a nats-server the platform runs, and restarts the server (same store
 * folder, so streams, consumers and their messages survive) when JetStream stops answering while
 * core NATS still does. nats-server 2.9 can be left so after a failed store write (a full disk):
 * a stream's file store keeps a lock forever (a goroutine dump shows `rebuildStateLocked` waiting
 * on the message block lock it already holds), and every JetStream API request and publish on it
 * times out, also once space is free again, until the server is restarted; a client connection
 * that sent such a request is blocked with it (not even a PING is answered), core NATS on other
 * connections still works. Newer versions may instead disable JetStream ("JetStream out of
 * resources, will be DISABLED"), which also lasts until a restart (or a config reload); requests
 * then fail with an error or no responders. Both read as "no answer to `$JS.API.INFO`".
 */
export class JetStreamWatch {
  /** Asks JetStream. A request to a stuck JetStream blocks this connection in the server too. */
  private probe?: NatsConnection;
  /** Only pings: tells a stuck JetStream from a server that does not answer at all. */
  private core?: NatsConnection;
  private stopped = false;
  private wakeUp?: () => void;
  private failures = 0;
  private relaunchPending = false;
  private waitingForSpace = false;
  private backoffMs: number;
  private nextRestartAt = 0;
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private readonly state: JetStreamHealth = { available: true, since: Date.now(), restarts: 0 };

  constructor(
    private readonly url: string,
    private readonly storeDir: string,
    private readonly server: Restartable,
    private readonly log: EmbeddedLog,
    private readonly options: JetStreamWatchOptions = JETSTREAM_WATCH_DEFAULTS,
  ) {
    this.backoffMs = options.firstBackoffMs;
  }

  get health(): JetStreamHealth {
    return { ...this.state };
  }

  start(): void {
    void this.run().catch((err: unknown) => {
      if (!this.stopped) this.log(`the JetStream watch stopped: ${String(err)}`, 'warn');
    });
  }

  /**
   * Does not wait for a probe under way (up to two timeouts): the launcher's shutdown gives the
   * servers 3 s in all. Closing the connections ends the probe at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await Promise.all([this.probe?.close(), this.core?.close()]).catch(() => undefined);
  }

  private async run(): Promise<void> {
    const options = {
      servers: this.url,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
    };
    this.probe = await connect({ ...options, name: 'platform-jetstream-watch' });
    this.core = await connect({ ...options, name: 'platform-jetstream-watch-ping' });
    // Stopped while connecting: stop() may have closed neither.
    if (this.stopped) await Promise.all([this.probe.close(), this.core.close()]);
    while (!this.stopped) {
      // Waiting for space, it looks every second: the restart follows the freeing closely.
      await this.sleep(this.waitingForSpace ? SPACE_POLL_MS : this.options.everyMs);
      if (this.stopped) return;
      await this.check(this.probe, this.core);
    }
  }

  private async check(probe: NatsConnection, core: NatsConnection): Promise<void> {
    // A restart whose new server did not come up: nothing else starts one, so try again.
    if (this.relaunchPending) {
      if (Date.now() >= this.nextRestartAt) await this.restart('the last restart failed');
      return;
    }
    if (this.waitingForSpace) {
      if (!(await this.spaceToRestart(Date.now()))) return;
      this.waitingForSpace = false;
      return this.restart(`${this.storeDir} has space again`);
    }
    const problem = await this.jetStreamProblem(probe, core);
    const now = Date.now();
    if (problem === undefined) return this.answered(now);
    // Core NATS away (the server restarting or dead): the process supervision handles that.
    if (problem === null) return;
    this.failures++;
    if (this.state.available) {
      this.state.available = false;
      this.state.since = now;
      this.log(`JetStream of the embedded nats-server does not answer: ${problem}`, 'warn');
    }
    this.state.problem = problem;
    if (this.failures < this.options.failuresBeforeRestart) return;
    const down = `${Math.round((now - this.state.since) / 1000)} s`;
    if (now < this.nextRestartAt) {
      return this.report(
        now,
        `JetStream still unavailable after ${down} and ${this.state.restarts} restarts (${problem}); next restart in ${Math.ceil((this.nextRestartAt - now) / 1000)} s`,
      );
    }
    if (!(await this.spaceToRestart(now))) {
      this.waitingForSpace = true;
      return;
    }
    await this.restart(`JetStream unavailable for ${down} (${problem})`);
  }

  /** A restart on a full store would hang again at its first write: it waits for space. */
  private async spaceToRestart(now: number): Promise<boolean> {
    const free = await freeBytes(this.storeDir);
    if (free === undefined || free >= this.options.minFreeBytes) return true;
    const down = `${Math.round((now - this.state.since) / 1000)} s`;
    this.report(
      now,
      `JetStream unavailable for ${down} and ${this.storeDir} has ${free} bytes free: the nats-server is restarted once there is space again`,
    );
    return false;
  }

  private async restart(why: string): Promise<void> {
    this.state.restarts++;
    this.nextRestartAt = Date.now() + this.backoffMs;
    this.log(
      `${why}: restarting the nats-server on the same store (restart ${this.state.restarts}; the next, if needed, no sooner than ${this.backoffMs / 1000} s)`,
      'warn',
    );
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs);
    this.failures = 0;
    try {
      await this.server.restart();
      this.relaunchPending = false;
    } catch (err) {
      // Stopped meanwhile: the launcher ends the server anyway.
      if (this.stopped) return;
      this.relaunchPending = true;
      this.log(`the nats-server could not be restarted: ${String(err)}`, 'warn');
    }
  }

  private answered(now: number): void {
    this.failures = 0;
    if (!this.state.available) {
      this.log(
        `JetStream answers again after ${Math.round((now - this.state.since) / 1000)} s unavailable (${this.state.restarts} restarts in all)`,
        'warn',
      );
      this.state.available = true;
      this.state.since = now;
      this.state.problem = undefined;
    } else if (now - this.state.since >= STABLE_MS) {
      this.backoffMs = this.options.firstBackoffMs;
    }
  }

  /**
   * undefined: JetStream answered; a string: it did not, while core NATS did; null: core NATS
   * did not answer either.
   */
  private async jetStreamProblem(
    probe: NatsConnection,
    core: NatsConnection,
  ): Promise<string | undefined | null> {
    const { timeoutMs } = this.options;
    try {
      const reply = await probe.request('$JS.API.INFO', undefined, { timeout: timeoutMs });
      const body = JSON.parse(reply.string() || '{}') as {
        error?: { code?: number; description?: string };
      };
      if (!body.error) return undefined;
      return `JetStream answered ${body.error.code ?? ''} ${body.error.description ?? ''}`.trim();
    } catch (err) {
      const what = (err as { code?: string }).code === '503' ? 'no responders' : String(err);
      const answers = await withTimeout(core.rtt(), timeoutMs).then(
        () => true,
        () => false,
      );
      return answers ? `$JS.API.INFO: ${what}` : null;
    }
  }

  private report(now: number, line: string): void {
    if (now - this.lastReportAt < REPORT_EVERY_MS) return;
    this.lastReportAt = now;
    this.log(line, 'warn');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const { bavail, bsize } = await statfs(dir);
    return bavail * bsize;
  } catch {
    return undefined;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
