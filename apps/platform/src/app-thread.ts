import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { ReadinessChecks, TELEMETRY } from '@uptime/health';
import { consoleLogger, type RunningService, startErrorText } from '@uptime/service-host';
import { startTracing } from '@uptime/tracing';
import type { Registry } from 'prom-client';
import { parentPort, workerData } from 'node:worker_threads';
import type { AppThreadData, FromAppThread, ToAppThread } from './app-thread-messages';
import { STARTERS } from './starters';

/**
 * The entry of one app's worker thread in `npm start`: the app runs on its own event loop (so the
 * platform uses every core), talks to the others over NATS as it would in its own process, and
 * answers the platform's questions for the gateway's `/health/ready` and `/metrics`.
 */
async function runAppThread(port: NonNullable<typeof parentPort>, data: AppThreadData) {
  const send = (message: FromAppThread) => port.postMessage(message);
  Logger.overrideLogger(consoleLogger(data.logFormat));
  // The process's spans stay the platform's, whichever thread starts tracing first.
  startTracing('uptime-platform', data.otlpEndpoint);
  let service: RunningService;
  try {
    service = await STARTERS[data.app](data.env);
  } catch (err) {
    send({ kind: 'failed', message: startErrorText(err) });
    return;
  }
  const checks = service.app.get(ReadinessChecks, { strict: false }).checks;
  const registry = service.app.get<Registry>(TELEMETRY, { strict: false });
  port.on('message', (message: ToAppThread) => {
    if (message.kind === 'readiness') {
      void readiness(checks).then((result) => send({ kind: 'readiness', id: message.id, result }));
      return;
    }
    if (message.kind === 'metrics') {
      void registry
        .getMetricsAsJSON()
        .then((metrics) => send({ kind: 'metrics', id: message.id, metrics }));
      return;
    }
    void service.close().then(
      () => send({ kind: 'closed' }),
      (err: unknown) => send({ kind: 'closed', error: String(err) }),
    );
  });
  send({ kind: 'started' });
}

/** Every check of the app in one answer; a check that throws is down, never a lost answer. */
async function readiness(checks: ReadinessChecks['checks']): Promise<HealthIndicatorResult> {
  const results = await Promise.all(
    checks.map((check, i) =>
      check().catch((err: unknown): HealthIndicatorResult => ({
        [`check${i}`]: { status: 'down', message: String(err) },
      })),
    ),
  );
  return Object.assign({}, ...results) as HealthIndicatorResult;
}

if (parentPort) void runAppThread(parentPort, workerData as AppThreadData);
