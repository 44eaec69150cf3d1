import type { HealthIndicatorResult } from '@nestjs/terminus';
import type { MetricsSource, ReadinessCheck } from '@uptime/health';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AppThreadData, FromAppThread, MetricsJson, ToAppThread } from './app-thread-messages';

/** An app as the platform holds it, in its own thread or in the platform's. */
export interface PlatformApp {
  label: string;
  /** The app's readiness checks, for the gateway's `/health/ready`. */
  readiness: ReadinessCheck[];
  /** The app's metrics, for the gateway's `/metrics`. */
  telemetry: MetricsSource;
  close(): Promise<void>;
}

/** How long a thread may take to answer a readiness or metrics question before it counts as stuck. */
const ANSWER_MS = 5_000;

/**
 * Starts one app in a worker thread (`app-thread.ts`) and resolves once it runs; rejects with
 * the app's own start error. `onFailure` hears of a thread that ends or throws while it should run.
 */
export function startAppThread(
  data: AppThreadData,
  onFailure: (reason: string) => void,
): Promise<PlatformApp> {
  const env = Object.fromEntries(
    Object.entries(data.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const worker = new Worker(join(__dirname, 'app-thread.js'), { workerData: data, env });
  const waiting = new Map<number, (message: FromAppThread) => void>();
  let nextId = 0;
  let closing = false;
  let closed: (() => void) | undefined;

  const ask = <T>(kind: 'readiness' | 'metrics', pick: (m: FromAppThread) => T, late: T) =>
    new Promise<T>((resolve) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve(late);
      }, ANSWER_MS);
      waiting.set(id, (message) => {
        clearTimeout(timer);
        resolve(pick(message));
      });
      worker.postMessage({ kind, id } satisfies ToAppThread);
    });

  const app: PlatformApp = {
    label: data.label,
    readiness: [
      () =>
        ask<HealthIndicatorResult>('readiness', (m) => (m.kind === 'readiness' ? m.result : {}), {
          thread: { status: 'down', message: `did not answer within ${ANSWER_MS} ms` },
        }),
    ],
    telemetry: {
      getMetricsAsJSON: () =>
        ask<MetricsJson>('metrics', (m) => (m.kind === 'metrics' ? m.metrics : []), []),
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (closing) return resolve();
        closing = true;
        closed = resolve;
        worker.postMessage({ kind: 'close' } satisfies ToAppThread);
      }).finally(() => worker.terminate()),
  };

  return new Promise<PlatformApp>((resolve, reject) => {
    let running = false;
    worker.on('message', (message: FromAppThread) => {
      if (message.kind === 'started') {
        running = true;
        return resolve(app);
      }
      if (message.kind === 'failed') {
        void worker.terminate();
        return reject(new Error(message.message));
      }
      if (message.kind === 'closed') return closed?.();
      const id = message.id;
      waiting.get(id)?.(message);
      waiting.delete(id);
    });
    worker.on('error', (err) => {
      if (!running) return reject(err);
      if (!closing) onFailure(`${data.label} failed: ${err.message}`);
    });
    worker.on('exit', (code) => {
      closed?.();
      if (!running)
        return reject(new Error(`${data.label} ended before it started (exit ${code})`));
      if (!closing) onFailure(`${data.label} ended unexpectedly (exit ${code})`);
    });
  });
}
