import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import type { EmbeddedService } from './embedded-postgres';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Uses the NATS at `natsUrl` when it answers; otherwise, for a loopback URL, starts
 * `nats-server` from the PATH with JetStream under `<dataDir>/nats`.
 */
export async function ensureNats(
  natsUrl: string,
  dataDir: string,
  log: (line: string) => void,
): Promise<EmbeddedService> {
  const url = new URL(natsUrl);
  const host = url.hostname;
  const port = Number(url.port || 4222);
  if (await answers(host, port)) return { url: natsUrl, stop: async () => undefined };
  const binary = findOnPath('nats-server');
  if (!LOOPBACK.has(host) || !binary) {
    throw new Error(
      `nothing answers at NATS_URL=${natsUrl}. Start a NATS server with JetStream (nats-server -js), ` +
        'or install nats-server on the PATH (https://docs.nats.io/running-a-nats-service/introduction/installation) ' +
        'and leave NATS_URL on a loopback address so it is started for you.',
    );
  }
  const storeDir = join(dataDir, 'nats');
  await mkdir(storeDir, { recursive: true });
  const child = spawn(
    binary,
    ['-a', host === 'localhost' ? '127.0.0.1' : host, '-p', String(port), '-js', '-sd', storeDir],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (!(await answers(host, port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not start: ${stderr.trim() || 'no answer within 10 s'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`started nats-server (pid ${child.pid}) with JetStream under ${storeDir}`);
  return {
    url: natsUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
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
