import type { HealthIndicatorResult } from '@nestjs/terminus';

/** One dependency an app needs before it can do its work. */
export type ReadinessCheck = () => Promise<HealthIndicatorResult>;

/** The checks behind an app's `/health/ready`. Each app provides its own instance. */
export class ReadinessChecks {
  constructor(readonly checks: ReadinessCheck[]) {}

  with(more: ReadinessCheck[]): ReadinessChecks {
    return new ReadinessChecks([...this.checks, ...more]);
  }
}

/** Wraps a probe that throws on failure into a terminus result under `key`. */
export function readinessCheck(key: string, probe: () => Promise<unknown>): ReadinessCheck {
  return async () => {
    try {
      await probe();
      return { [key]: { status: 'up' } };
    } catch (err) {
      return {
        [key]: { status: 'down', message: err instanceof Error ? err.message : String(err) },
      };
    }
  };
}
