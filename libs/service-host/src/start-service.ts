import { type INestApplication, Logger, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NatsResponder } from '@uptime/bus';
import type { LogFormat, MetricsEndpoint } from '@uptime/config';
import { TELEMETRY } from '@uptime/health';
import { xContentTypeOptions } from 'helmet';
import { startTracing } from '@uptime/tracing';
import type { Registry } from 'prom-client';
import { EscapedConsoleLogger, escapeControlCharacters } from './escaped-console-logger';
import { metricsNotHere, serveMetrics } from './metrics-endpoint';

export interface ServiceOptions {
  /** The app's root module (already configured, e.g. `RegistryModule.forRoot(config)`). */
  module: Type<unknown> | import('@nestjs/common').DynamicModule;
  logLevels: LogLevel[];
  /** `json`: one JSON object per line (LOG_FORMAT); text lines by default. */
  logFormat?: LogFormat;
  /**
   * The app's name in traces, and where they go (OTEL_EXPORTER_OTLP_ENDPOINT); no endpoint, no
   * tracing. The first app of a process to start tracing names the process's spans.
   */
  tracing?: { name: string; endpoint?: string };
  /** Port for the app's own HTTP (health, API); omitted in single-process mode, where only the gateway listens. */
  port?: number;
  host?: string;
  /** `/metrics` on a port of its own (only for an app that listens); the public port then answers 404. */
  metrics?: MetricsEndpoint;
  /** Nest's default JSON and form parsers; an app that registers its own parsers says false. */
  bodyParser?: boolean;
  /** Request/reply subjects this app answers over NATS; its refusals go to the app's `/metrics`. */
  responder?: NatsResponder;
  /** Last touches before the app starts (filters, OpenAPI, body limits). */
  configure?: (app: INestApplication) => void | Promise<void>;
}

export interface RunningService {
  app: INestApplication;
  url?: string;
  /** Where `/metrics` is, when it has a port of its own. */
  metricsUrl?: string;
  close(): Promise<void>;
}

/** Boots one Nest app the same way alone or inside the single-process platform. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  // Nest's start-up chatter (every module and route) only at debug; problems always.
  const quiet = options.logLevels.includes('debug')
    ? options.logLevels
    : options.logLevels.filter((l) => l !== 'log');
  const tracing = startTracing(options.tracing?.name ?? 'uptime', options.tracing?.endpoint);
  const app = await NestFactory.create(options.module, {
    logger: consoleLogger(options.logFormat, quiet),
    bodyParser: options.bodyParser ?? true,
  });
  // Every app's answers (health, metrics, errors) keep their declared type in a browser.
  app.use(xContentTypeOptions());
  await options.configure?.(app);
  const metrics = options.port !== undefined ? options.metrics : undefined;
  if (metrics) app.use('/metrics', metricsNotHere);
  if (options.responder) {
    options.responder.reportTo(app.get<Registry>(TELEMETRY, { strict: false }));
    app.connectMicroservice({ strategy: options.responder }, { inheritAppConfig: true });
  }
  await app.init();
  if (options.responder) await app.startAllMicroservices();
  let url: string | undefined;
  if (options.port !== undefined) {
    await app.listen(options.port, options.host ?? '0.0.0.0');
    url = await app.getUrl();
  }
  const metricsServer = metrics
    ? await serveMetrics(app, metrics).catch(async (err: unknown) => {
        await app.close();
        throw err;
      })
    : undefined;
  app.useLogger(options.logLevels);
  let closing: Promise<void> | undefined;
  return {
    app,
    url,
    metricsUrl: metricsServer?.url,
    close: () => (closing ??= closeAll(app, metricsServer, tracing.flush)),
  };
}

const SPAN_FLUSH_MS = 2000;

/** The console logger every app writes through, in the operator's format. */
export function consoleLogger(format: LogFormat = 'text', logLevels?: LogLevel[]) {
  return new EscapedConsoleLogger({ logLevels, json: format === 'json' });
}

async function closeAll(
  app: INestApplication,
  metrics: { close(): Promise<void> } | undefined,
  flushSpans: () => Promise<void>,
) {
  await metrics?.close();
  await app.close();
  // The spans of the last requests still go out; a collector that is away holds the stop 2 s at most.
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, SPAN_FLUSH_MS)));
  await Promise.race([flushSpans().catch(() => undefined), giveUp]);
  clearTimeout(timer);
}

/**
 * Runs an app as its own process: validated config first (a bad one prints one clear message
 * and exits 1), then the app, then a clean exit 0 on SIGINT or SIGTERM.
 */
export async function runStandalone(
  name: string,
  start: () => Promise<RunningService>,
): Promise<void> {
  const logger = new Logger(name);
  let service: RunningService;
  try {
    service = await start();
  } catch (err) {
    process.stderr.write(`${name} could not start: ${startErrorText(err)}\n`);
    process.exit(1);
  }
  logger.log(service.url ? `listening on ${service.url}` : 'started');
  if (service.metricsUrl) logger.log(`metrics on ${service.metricsUrl}/metrics`);
  const stop = async (signal: string) => {
    logger.log(`${signal} received, draining`);
    await service.close().catch((err: unknown) => logger.error(String(err)));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * A config error is already value-free; any other start error (a driver's, say) may quote a
 * connection URL, so its credentials are hidden too. Lines stay lines: a config error lists one
 * problem per line.
 */
export function startErrorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .split('\n')
    .map((line) => escapeControlCharacters(hideUrlCredentials(line)))
    .join('\n');
}

function hideUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');
}
