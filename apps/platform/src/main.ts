import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadPlatformConfig } from './config';
import { startPlatform } from './platform';

/** `npm start`: every app in one process on the embedded defaults. */
async function main(): Promise<void> {
  const logger = new Logger('platform');
  let platform;
  try {
    platform = await startPlatform(loadPlatformConfig(process.env), process.env);
  } catch (err) {
    process.stderr.write(
      `The platform could not start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  }
  if (platform.url) {
    const base = platform.url.replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
    logger.log(`API      ${base}/api/v1`);
    logger.log(`Docs     ${base}/docs`);
    logger.log(`Health   ${base}/health/ready`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: draining and closing connections`);
    await platform.stop();
    logger.log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

void main();
