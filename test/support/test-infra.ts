import { redact } from '@uptime/config';
import {
  ensureNats,
  type EmbeddedService,
  freePort,
  removeDataDir,
  startEmbeddedPostgres,
} from '@uptime/embedded';
import { mkdtemp } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { Client } from 'pg';

/**
 * What the test run stands on: PostgreSQL (an admin URL the tests `create database` from) and NATS
 * with JetStream. The machine's services when they answer (CI starts them; fast), otherwise an
 * embedded PostgreSQL and a `nats-server` from the PATH, the way `npm start` does, on free ports
 * under a temporary folder that goes away with them.
 */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** `TEST_INFRA`: `auto` uses what answers and starts the rest; `embedded` ignores the machine's. */
export type InfraMode = 'auto' | 'embedded';

export interface InfraService {
  name: 'PostgreSQL' | 'NATS';
  variable: 'TEST_DATABASE_URL' | 'NATS_URL';
  fallback: string;
}

export const POSTGRES: InfraService = {
  name: 'PostgreSQL',
  variable: 'TEST_DATABASE_URL',
  fallback: DEFAULT_TEST_DATABASE_URL,
};
export const NATS: InfraService = {
  name: 'NATS',
  variable: 'NATS_URL',
  fallback: DEFAULT_NATS_URL,
};

export type ServiceChoice = { use: 'given'; url: string } | { use: 'embedded'; because: string };

export interface InfraChoice {
  postgres: ServiceChoice;
  nats: ServiceChoice;
}

/** The run cannot start as configured; the message says what to change. */
export class TestInfraError extends Error {}

export function parseInfraMode(value: string | undefined): InfraMode {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'embedded') return 'embedded';
  throw new TestInfraError(`TEST_INFRA must be auto or embedded, not "${value}"`);
}

/**
 * An explicitly set URL that does not answer is a mistake to report, not a reason to start
 * something else: the tests would silently run against other services than the ones asked for.
 */
export function chooseService(
  service: InfraService,
  mode: InfraMode,
  explicit: string | undefined,
  answers: boolean,
): ServiceChoice {
  if (mode === 'embedded') return { use: 'embedded', because: 'TEST_INFRA=embedded' };
  const url = explicit ?? service.fallback;
  if (answers) return { use: 'given', url };
  if (explicit !== undefined) {
    throw new TestInfraError(
      `${service.variable}=${redact(url)} is set but nothing answers at ${address(url)}: ` +
        `start ${service.name} there, or unset ${service.variable} so that the test run starts its own`,
    );
  }
  return { use: 'embedded', because: `nothing answers at ${address(url)}` };
}

/** Looks at the environment and the network; throws TestInfraError when the run cannot go on. */
export async function planTestInfra(
  env: NodeJS.ProcessEnv,
  services: { postgres: InfraService; nats: InfraService } = { postgres: POSTGRES, nats: NATS },
): Promise<InfraChoice> {
  const mode = parseInfraMode(env.TEST_INFRA);
  const decide = async (service: InfraService): Promise<ServiceChoice> => {
    const explicit = env[service.variable] || undefined;
    const url = explicit ?? service.fallback;
    const reached = mode === 'auto' && (await answers(url));
    return chooseService(service, mode, explicit, reached);
  };
  const [postgres, nats] = await Promise.all([decide(services.postgres), decide(services.nats)]);
  if (postgres.use === 'given') await checkPostgres(postgres.url, services.postgres);
  if (nats.use === 'given') await checkNats(nats.url, services.nats);
  return { postgres, nats };
}

export interface RunningTestInfra {
  /** TEST_DATABASE_URL and NATS_URL for the test processes. */
  env: { TEST_DATABASE_URL: string; NATS_URL: string };
  /** One line for the person running the tests when something was started, else undefined. */
  summary: string | undefined;
  /** Stops what was started and removes its folder; bounded in time, never throws. */
  stop(): Promise<void>;
}

/** Each service stops within this even when its process already went away on its own. */
const STOP_MS = 15_000;

export async function startTestInfra(
  choice: InfraChoice,
  log: (line: string) => void,
): Promise<RunningTestInfra> {
  if (choice.postgres.use === 'given' && choice.nats.use === 'given') {
    return {
      env: { TEST_DATABASE_URL: choice.postgres.url, NATS_URL: choice.nats.url },
      summary: undefined,
      stop: async () => undefined,
    };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'uptime-test-'));
  const started: EmbeddedService[] = [];
  const stop = async () => {
    await Promise.all(started.map((s) => stopWithin(s, STOP_MS)));
    // As root the embedded cluster lives outside dataDir: removeDataDir takes it too.
    await removeDataDir(dataDir).catch(() => undefined);
  };
  try {
    const postgres =
      choice.postgres.use === 'given'
        ? choice.postgres.url
        : remember(started, await startPostgres(dataDir, log)).url;
    const nats =
      choice.nats.use === 'given'
        ? choice.nats.url
        : remember(started, await startNats(dataDir)).url;
    return {
      env: { TEST_DATABASE_URL: postgres, NATS_URL: nats },
      summary: summarise(choice, postgres, nats, dataDir),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function remember(started: EmbeddedService[], service: EmbeddedService): EmbeddedService {
  started.push(service);
  return service;
}

async function startPostgres(
  dataDir: string,
  log: (line: string) => void,
): Promise<EmbeddedService> {
  try {
    return await startEmbeddedPostgres(dataDir, log);
  } catch (err) {
    throw new TestInfraError(
      `the tests need PostgreSQL and the embedded one did not start under ${dataDir} ` +
        `(${errorText(err)}); set TEST_DATABASE_URL to the admin URL of a running one`,
    );
  }
}

async function startNats(dataDir: string): Promise<EmbeddedService> {
  const url = `nats://127.0.0.1:${await freePort()}`;
  try {
    return await ensureNats(url, dataDir, () => undefined);
  } catch (err) {
    throw new TestInfraError(
      `the tests need NATS with JetStream and none could be started (${errorText(err)}); ` +
        'put nats-server on the PATH (apt-get install nats-server, brew install nats-server) ' +
        'or set NATS_URL to a running one',
    );
  }
}

function summarise(choice: InfraChoice, postgres: string, nats: string, dataDir: string): string {
  const part = (name: string, started: string, c: ServiceChoice, url: string) =>
    c.use === 'given'
      ? `${name} at ${redact(url)}`
      : `started ${started} at ${redact(url)} (${c.because})`;
  return (
    `test infrastructure: ${part('PostgreSQL', 'embedded PostgreSQL', choice.postgres, postgres)}, ` +
    `${part('NATS', 'nats-server', choice.nats, nats)}; data under ${dataDir}, removed at the end`
  );
}

/** Whether something accepts TCP connections at the URL's host and port. */
export function answers(url: string, timeoutMs = 1000): Promise<boolean> {
  const { host, port } = hostAndPort(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

async function checkPostgres(url: string, service: InfraService): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  const refuse = (why: string) =>
    new TestInfraError(
      `PostgreSQL answers at ${address(url)} but ${why}: the tests need a role that can create ` +
        `databases in ${service.variable} (now ${redact(url)}), or TEST_INFRA=embedded`,
    );
  try {
    await client.connect();
    const { rows } = await client.query<{ ok: boolean }>(
      'select rolsuper or rolcreatedb as ok from pg_roles where rolname = current_user',
    );
    if (!rows[0]?.ok) throw refuse('its role cannot create databases');
  } catch (err) {
    throw err instanceof TestInfraError ? err : refuse(`refuses the login (${errorText(err)})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkNats(url: string, service: InfraService): Promise<void> {
  const nc = await connect({ servers: url, timeout: 5000, reconnect: false }).catch((err) => {
    throw new TestInfraError(`NATS at ${address(url)} refuses a client: ${errorText(err)}`);
  });
  try {
    await nc.jetstreamManager();
  } catch (err) {
    throw new TestInfraError(
      `NATS at ${address(url)} (${service.variable}) has no JetStream (${errorText(err)}): ` +
        'start it with -js, or TEST_INFRA=embedded',
    );
  } finally {
    await nc.close();
  }
}

/**
 * Resolves when the service stopped, or its port closed and a grace period passed (it was
 * stopped by a signal of its own, e.g. Ctrl-C reached its process group), or at the deadline.
 */
async function stopWithin(service: EmbeddedService, ms: number): Promise<void> {
  const abort = new AbortController();
  const deadline = Date.now() + ms;
  const closed = async () => {
    while (Date.now() < deadline && !abort.signal.aborted && (await answers(service.url, 200)))
      await sleep(100, abort.signal);
    await sleep(Math.min(2000, Math.max(0, deadline - Date.now())), abort.signal);
  };
  try {
    await Promise.race([service.stop().catch(() => undefined), closed()]);
  } finally {
    abort.abort();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  const fallbackPort = parsed.protocol.startsWith('postgres') ? 5432 : 4222;
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: Number(parsed.port || fallbackPort),
  };
}

function address(url: string): string {
  const { host, port } = hostAndPort(url);
  return `${host}:${port}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
