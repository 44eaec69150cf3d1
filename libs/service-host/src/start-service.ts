import { type INestApplication, Logger, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';

export interface ServiceOptions {
  /** The app's root module (already configured, e.g. `RegistryModule.forRoot(config)`). */
  module: Type<unknown> | import('@nestjs/common').DynamicModule;
  logLevels: LogLevel[];
  /** Port for the app's own HTTP (health, API); omitted in single-process mode, where only the gateway listens. */
  port?: number;
  host?: string;
  /** Request/reply subjects this app answers over NATS. */
  responder?: MicroserviceOptions;
  /** Last touches before the app starts (filters, OpenAPI, body limits). */
  configure?: (app: INestApplication) => void | Promise<void>;
}

export interface RunningService {
  app: INestApplication;
  url?: string;
  close(): Promise<void>;
}

/** Boots one Nest app the same way alone or inside the single-process platform. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  // Nest's start-up chatter (every module and route) only at debug; problems always.
  const quiet = options.logLevels.includes('debug')
    ? options.logLevels
    : options.logLevels.filter((l) => l !== 'log');
  const app = await NestFactory.create(options.module, { logger: quiet });
  await options.configure?.(app);
  if (options.responder) app.connectMicroservice(options.responder, { inheritAppConfig: true });
  await app.init();
  if (options.responder) await app.startAllMicroservices();
  let url: string | undefined;
  if (options.port !== undefined) {
    await app.listen(options.port, options.host ?? '0.0.0.0');
    url = await app.getUrl();
  }
  app.useLogger(options.logLevels);
  let closing: Promise<void> | undefined;
  return {
    app,
    url,
    close: () => (closing ??= app.close()),
  };
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
    process.stderr.write(
      `${name} could not start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  }
  logger.log(service.url ? `listening on ${service.url}` : 'started');
  const stop = async (signal: string) => {
    logger.log(`${signal} received, draining`);
    await service.close().catch((err: unknown) => logger.error(String(err)));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
