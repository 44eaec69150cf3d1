import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { consoleLogger, startErrorText } from '@uptime/service-host';
import { startTracing } from '@uptime/tracing';
import { loadPlatformConfig } from './config';
import { type RunningPlatform, startPlatform } from './platform';

/** `npm start`: every app in one process on the embedded defaults. */
async function main(): Promise<void> {
  // Everything the platform writes (DATA_DIR, chDB, the NATS store, logs) is its owner's alone.
  process.umask(0o077);
  const logger = new Logger('platform');
  let platform: RunningPlatform | undefined;
  let requested: { why: string; code: number } | undefined;
  const stop = async (why: string, code: number) => {
    if (requested) return;
    requested = { why, code };
    // During the start, the stop waits for it: the servers it started run in their own groups
    // and would outlive an exit now.
    if (!platform) return;
    if (code === 0) logger.log(`${why}: draining and closing connections`);
    else logger.error(`${why}: stopping`);
    await platform.stop();
    logger.log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT received', 0));
  process.on('SIGTERM', () => void stop('SIGTERM received', 0));
  try {
    const config = loadPlatformConfig(process.env);
    // The platform's own lines (embedded servers starting) in the operator's format too.
    Logger.overrideLogger(consoleLogger(config.logFormat));
    // Started first, so the spans of every app in the process are the platform's.
    startTracing('uptime-platform', config.otlpEndpoint);
    platform = await startPlatform(config, process.env, (reason) => void stop(reason, 1));
  } catch (err) {
    // URL credentials hidden; a refused secret's value is never in a config error.
    process.stderr.write(`The platform could not start: ${startErrorText(err)}\n`);
    process.exit(1);
  }
  if (requested) {
    const { why, code } = requested;
    requested = undefined;
    return stop(why, code);
  }
  if (platform.url) {
    const base = platform.url.replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
    logger.log(`API      ${base}/api/v1`);
    logger.log(`Docs     ${base}/docs`);
    logger.log(`Health   ${base}/health/ready`);
  }
}

void main();
