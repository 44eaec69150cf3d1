import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type CanaryState, type CheckResult, type ProbeSpec } from '@uptime/contracts';
import { RateLimitedLog, TELEMETRY } from '@uptime/health';
import { runHttpCheck } from '@uptime/probe-engine';
import { TargetPolicy } from '@uptime/target-guard';
import { Counter, Gauge, type Registry } from 'prom-client';
import { PROBER_CONFIG, type ProberConfig } from '../config';

/** One failed canary check may be a blip; two in a row say the prober itself is impaired. */
export const CANARY_FAILURES_TO_FAIL = 2;
/**
 * A canary that has never answered may just not be up yet (`npm start` starts the gateway, the
 * default canary, after the probers): it counts as failing only once it answered, or after this.
 */
export const CANARY_START_GRACE_MS = 60_000;

/**
 * The prober's self-check: a known-good URL (`PROBE_CANARY_URL`) checked on a short interval
 * through the same engine as the monitors. While it fails, what this prober sees says more
 * about its own network than about the targets, so its results become `prober_error`.
 */
@Injectable()
export class ProberCanary implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProberCanary.name);
  private readonly failureLog = new RateLimitedLog(this.logger);
  private failuresInARow = 0;
  private answeredOnce = false;
  private readonly startedAtMs = Date.now();
  private lastFailure = '';
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly abort = new AbortController();
  private readonly spec?: ProbeSpec;
  /**
   * The operator names the canary, often on a private or loopback address (the gateway next
   * door): its own policy lets that one URL through, redirects not followed, so nothing else can.
   */
  private readonly targets = new TargetPolicy({ allowPrivate: true });
  private readonly failuresTotal: Counter;
  private readonly voidedTotal: Counter;
  /** Listeners told when the state changes (the presence announcement). */
  private readonly changed: (() => void)[] = [];

  constructor(
    @Inject(PROBER_CONFIG) private readonly config: ProberConfig,
    @Inject(TELEMETRY) registry: Registry,
  ) {
    if (config.canaryUrl) this.spec = canarySpec(config.canaryUrl, config.canaryIntervalSeconds);
    this.failuresTotal = new Counter({
      name: 'uptime_probe_canary_failures_total',
      help: "Failed checks of the prober's canary (PROBE_CANARY_URL)",
      registers: [registry],
    });
    this.voidedTotal = new Counter({
      name: 'uptime_probe_prober_error_results_total',
      help: "Results turned into prober_error because the prober's canary was failing",
      registers: [registry],
    });
    const failing = () => (this.state === 'failing' ? 1 : 0);
    new Gauge({
      name: 'uptime_probe_canary_failing',
      help: "1 while the prober's canary fails (its results are prober_error), 0 otherwise",
      registers: [registry],
      collect() {
        this.set(failing());
      },
    });
  }

  get state(): CanaryState {
    if (!this.spec) return 'off';
    if (this.failuresInARow < CANARY_FAILURES_TO_FAIL) return 'ok';
    const starting = !this.answeredOnce && Date.now() - this.startedAtMs < CANARY_START_GRACE_MS;
    return starting ? 'ok' : 'failing';
  }

  onChange(listener: () => void): void {
    this.changed.push(listener);
  }

  onApplicationBootstrap(): void {
    if (!this.spec) {
      this.logger.warn(
        'PROBE_CANARY_URL is not set: the canary is off, so a failure of this prober’s own network counts against the monitors it checks',
      );
      return;
    }
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.abort.abort();
    await this.running;
  }

  /**
   * A result as it may be published: unchanged while the canary answers; otherwise a
   * `prober_error` that still says what the check saw (message and assertions).
   */
  judge<T extends Pick<CheckResult, 'outcome' | 'errorKind' | 'message'>>(result: T): T {
    if (this.state !== 'failing') return result;
    this.voidedTotal.inc();
    const saw = result.message ? `${result.outcome}: ${result.message}` : result.outcome;
    return {
      ...result,
      outcome: 'down',
      errorKind: 'prober_error',
      message: `the prober's canary is failing (${this.lastFailure}); the check saw ${saw}`,
    };
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.check().finally(() => {
        if (!this.abort.signal.aborted) this.schedule(this.config.canaryIntervalSeconds * 1000);
      });
    }, delayMs);
  }

  private async check(): Promise<void> {
    const before = this.state;
    const outcome = await runHttpCheck(this.spec!, {
      targets: this.targets,
      signal: this.abort.signal,
    });
    if (this.abort.signal.aborted) return;
    if (outcome.outcome === 'down') {
      this.failuresInARow++;
      this.lastFailure = outcome.message ?? outcome.errorKind ?? 'down';
      this.failuresTotal.inc();
      this.failureLog.warn(`canary ${this.config.canaryUrl} failed: ${this.lastFailure}`);
    } else {
      this.failuresInARow = 0;
      this.answeredOnce = true;
    }
    const after = this.state;
    if (after === before) return;
    if (after === 'failing') {
      this.logger.error(
        `canary ${this.config.canaryUrl} failing: this prober's results are prober_error until it answers again`,
      );
    } else {
      this.logger.log(`canary ${this.config.canaryUrl} answers again`);
    }
    this.changed.forEach((listener) => listener());
  }
}

/** A plain GET that must answer 2xx within the interval (at most 10 s), redirects not followed. */
function canarySpec(url: string, intervalSeconds: number): ProbeSpec {
  return {
    type: 'http',
    url,
    method: 'GET',
    headers: {},
    body: null,
    timeoutMs: Math.min(intervalSeconds * 1000, 10_000),
    intervalSeconds,
    expectedStatus: ['200-299'],
    followRedirects: false,
    maxLatencyMs: null,
    keyword: null,
    assertions: [],
    tls: null,
    dns: null,
  };
}
