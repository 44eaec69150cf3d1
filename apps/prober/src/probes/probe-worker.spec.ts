import {
  type CheckResult,
  checkResultSubject,
  type MissedSlot,
  missedSlotSubject,
  probeJobSubject,
  decodeCheckResults,
} from '@uptime/contracts';
import { TELEMETRY } from '@uptime/health';
import type { RunningService } from '@uptime/service-host';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Registry } from 'prom-client';
import { monitorFixture, probeJobFixture } from '../../../../test/support/factories';
import { NATS_URL, proberConfig } from '../../../../test/support/services';
import { TargetServer } from '../../../../test/support/target-server';
import { waitFor } from '../../../../test/support/wait-for';
import { startProber } from '../bootstrap';

const INTERVAL_SECONDS = 30;

/** A monitor of this spec's interval, checking `url`. */
const monitorAt = (url: string) =>
  monitorFixture({ name: 'worker', url, intervalSeconds: INTERVAL_SECONDS });

describe('ProbeWorker', () => {
  const region = `w${Math.random().toString(36).slice(2, 8)}`;
  let target: TargetServer;
  let prober: RunningService;
  let nc: NatsConnection;

  before(async () => {
    target = await TargetServer.start();
    nc = await connect({ servers: NATS_URL });
    prober = await startProber(proberConfig(region, { logLevel: 'error' }), false);
  });
  after(async () => {
    await prober?.close();
    await nc?.close();
    await target?.close();
  });

  async function staleDropped(): Promise<number> {
    const metric = prober.app
      .get<Registry>(TELEMETRY)
      .getSingleMetric('uptime_probe_stale_jobs_total');
    return (await metric!.get()).values[0]?.value ?? 0;
  }

  it('should publish the results of jobs that finish together in fewer messages, each result once, and ack every job', async () => {
    const carried: CheckResult[][] = [];
    const sub = nc.subscribe(checkResultSubject(region), {
      callback: (_, m) => carried.push(decodeCheckResults(m.data)),
    });
    await nc.flush();
    const js = nc.jetstream();
    const monitors = Array.from({ length: 40 }, (_, i) => monitorAt(target.url(`burst-${i}`)));
    const scheduledAt = new Date();
    await Promise.all(
      monitors.map((monitor) =>
        js.publish(
          probeJobSubject(region, monitor.id),
          JSONCodec().encode(probeJobFixture(monitor, { region, scheduledAt })),
        ),
      ),
    );

    const ids = new Set(monitors.map((m) => m.id));
    const ours = () => carried.flat().filter((r) => ids.has(r.monitorId));
    await waitFor('a result of every job', () => ours().length >= monitors.length);
    sub.unsubscribe();
    assert.equal(new Set(ours().map((r) => r.monitorId)).size, monitors.length);
    assert.equal(ours().length, monitors.length, 'a result published twice');
    const messages = carried.filter((m) => m.some((r) => ids.has(r.monitorId))).length;
    assert.ok(messages < monitors.length, `${monitors.length} results in ${messages} messages`);
    const jsm = await nc.jetstreamManager();
    await waitFor('every job acked', async () => {
      const info = await jsm.streams.info('PROBE_JOBS', {
        subjects_filter: probeJobSubject(region, '*'),
      });
      return Object.keys(info.state.subjects ?? {}).length === 0;
    });
  });

  it('should ack a job whose slot passed more than two intervals ago without probing, and record it as missed', async () => {
    const results: CheckResult[] = [];
    const missed: MissedSlot[] = [];
    nc.subscribe(checkResultSubject(region), {
      callback: (_, m) => results.push(...decodeCheckResults(m.data)),
    });
    nc.subscribe(missedSlotSubject(region), {
      callback: (_, m) => missed.push(JSONCodec<MissedSlot>().decode(m.data)),
    });
    await nc.flush();
    const js = nc.jetstream();
    const stale = monitorAt(target.url('stale'));
    const fresh = monitorAt(target.url('fresh'));
    const now = Date.now();
    for (const [monitor, scheduledAt] of [
      [stale, now - 2 * INTERVAL_SECONDS * 1000 - 5_000],
      [fresh, now],
    ] as const) {
      const job = probeJobFixture(monitor, { region, scheduledAt: new Date(scheduledAt) });
      await js.publish(probeJobSubject(region, monitor.id), JSONCodec().encode(job));
    }

    await waitFor('the stale job counted', async () => (await staleDropped()) === 1);
    await waitFor('the fresh job checked', () => results.some((r) => r.monitorId === fresh.id));
    assert.equal(target.hits.get('fresh'), 1);
    assert.equal(target.hits.get('stale'), undefined, 'the stale job reached its target');
    assert.equal(results.filter((r) => r.monitorId === stale.id).length, 0);
    await waitFor('the stale slot recorded as missed', () => missed.length === 1);
    assert.equal(missed[0]!.monitorId, stale.id);
    assert.equal(missed[0]!.reason, 'dropped');
    const byReason = await prober.app
      .get<Registry>(TELEMETRY)
      .getSingleMetric('uptime_probe_missed_slots_total')!
      .get();
    assert.equal(byReason.values.find((v) => v.labels.reason === 'dropped')?.value, 1);
    // Acked, so the work queue holds nothing of either job any more (the ack is sent after the
    // result's publish returned, so it can still be on its way here).
    const jsm = await nc.jetstreamManager();
    await waitFor('both jobs acked', async () => {
      const info = await jsm.streams.info('PROBE_JOBS', {
        subjects_filter: probeJobSubject(region, '*'),
      });
      return Object.keys(info.state.subjects ?? {}).length === 0;
    });
  });
});
