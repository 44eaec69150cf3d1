import { redact } from '@uptime/config';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import type { EmbeddedService } from './embedded-postgres';
import { type EmbeddedLog, EmbeddedProcess, endLeftover } from './embedded-process';
import {
  type JetStreamHealth,
  JetStreamWatch,
  JETSTREAM_WATCH_DEFAULTS,
  type JetStreamWatchOptions,
} from './jetstream-watch';

/** Under DATA_DIR: the pid of the nats-server the platform runs. */
export const NATS_PID_FILE = 'nats-server.pid';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The NATS the platform uses; `jetstream` only for a nats-server it runs itself (and watches). */
export interface EmbeddedNats extends EmbeddedService {
  jetstream?: () => JetStreamHealth;
}

/**
 * Uses the NATS at `natsUrl` when it answers; otherwise, for a loopback URL, starts
 * `nats-server` from the PATH with JetStream under `<dataDir>/nats`, in its own process group,
 * restarted if it dies. A nats-server an earlier run left behind (the platform was killed) is
 * ended first, found by `<dataDir>/nats-server.pid`, rather than taken for someone else's NATS.
 * Its JetStream is watched: a server whose JetStream stops answering is restarted (see
 * JetStreamWatch).
 */
export async function ensureNats(
  natsUrl: string,
  dataDir: string,
  log: EmbeddedLog,
  onFailure?: (reason: string) => void,
  watchOptions: JetStreamWatchOptions = JETSTREAM_WATCH_DEFAULTS,
): Promise<EmbeddedNats> {
  const url = new URL(natsUrl);
  const host = url.hostname;
  const port = Number(url.port || 4222);
  const binary = findOnPath('nats-server');
  const storeDir = join(dataDir, 'nats');
  const pidFile = join(dataDir, NATS_PID_FILE);
  if (binary) await endLeftover(pidFile, binary, storeDir, 'SIGTERM', log);
  await rm(pidFile, { force: true });
  if (await answers(host, port)) return { url: natsUrl, stop: async () => undefined };
  if (!LOOPBACK.has(host) || !binary) {
    throw new Error(
      `nothing answers at NATS_URL=${redact(natsUrl)}. Start a NATS server with JetStream (nats-server -js), ` +
        'or install nats-server on the PATH (https://docs.nats.io/running-a-nats-service/introduction/installation) ' +
        'and leave NATS_URL on a loopback address so it is started for you.',
    );
  }
  await mkdir(storeDir, { recursive: true, mode: 0o700 });
  const address = host === 'localhost' ? '127.0.0.1' : host.replace(/^\[|\]$/g, '');
  const server = await EmbeddedProcess.start(
    {
      name: 'nats-server',
      binary,
      args: ['-a', address, '-p', String(port), '-js', '-sd', storeDir],
      marker: storeDir,
      pidFile,
      logFile: join(dataDir, 'nats-server.log'),
      env: { PATH: process.env.PATH ?? '' },
      stopSignal: 'SIGTERM',
      ready: () => answers(host, port),
      readyTimeoutMs: 10_000,
    },
    { log, onFailure },
  );
  log(`started nats-server (pid ${server.pid}) with JetStream under ${storeDir}`);
  const watch = new JetStreamWatch(natsUrl, storeDir, server, log, watchOptions);
  watch.start();
  return {
    url: natsUrl,
    jetstream: () => watch.health,
    stop: async (timeoutMs) => {
      await watch.stop();
      await server.stop(timeoutMs);
    },
  };
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host.replace(/^\[|\]$/g, ''), () => done(true));
  });
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  for (const dir of ['/usr/sbin', '/usr/local/sbin']) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
