import {
  type CheckResult,
  CheckResultStream,
  DurableConsumers,
  type MaintenanceWindow,
  MaintenanceEventStream,
  maintenanceEventSubject,
  type Monitor,
  type MonitorStats,
} from '@uptime/contracts';
import { connect, type NatsConnection } from 'nats';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type AlertPayload, AlertReceiver } from '../support/alert-receiver';
import { waitForConsumerCaughtUp } from '../support/consumer-progress';
import { Pipeline } from '../support/pipeline';
import { NATS_URL } from '../support/services';
import { TargetServer } from '../support/target-server';
import { waitFor } from '../support/wait-for';

interface Problem {
  errors?: { field: string; message: string }[];
}
interface Alert extends AlertPayload {
  occurredAt: string;
}
type MonitorEntry = Monitor & {
  nextMaintenance: { id: string; name: string; startsAt: string; endsAt: string } | null;
};

const INTERVAL_S = 10;
const CHECK_WAIT_MS = 3 * INTERVAL_S * 1000;
const SECOND = 1000;

// The tests run together: the reminder's needs a minute and more of the wall clock.
describe('maintenance windows', { concurrency: true }, () => {
  const pipeline = new Pipeline();
  let target: TargetServer;
  let receiver: AlertReceiver<Alert>;
  let nc: NatsConnection;
  let token: string;
  let strangerToken: string;
  let channelId: string;

  const api = () => pipeline.api;
  const createMonitor = async (name: string, body: Record<string, unknown> = {}) => {
    target.set(name, 'fail');
    const res = await api().post<Monitor>(
      '/api/v1/monitors',
      {
        name,
        url: target.url(name),
        intervalSeconds: INTERVAL_S,
        timeoutMs: 2000,
        regions: [pipeline.region],
        channelIds: [channelId],
        ...body,
      },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const createWindow = async (body: Record<string, unknown>, as = token) => {
    const res = await api().post<MaintenanceWindow>('/api/v1/maintenance-windows', body, as);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const checksOf = async (id: string) =>
    (await api().get<{ items: CheckResult[] }>(`/api/v1/monitors/${id}/checks?limit=100`, token))
      .body.items;
  const incidentsOf = async (id: string) =>
    (await api().get<{ items: { state: string }[] }>(`/api/v1/monitors/${id}/incidents`, token))
      .body.items;
  /** Until the window's state is on MAINTENANCE_EVENTS, where the scheduler reads it. */
  const announced = (window: MaintenanceWindow) =>
    waitFor(`window ${window.name} on ${MaintenanceEventStream.name}`, async () => {
      const jsm = await nc.jetstreamManager();
      const message = await jsm.streams
        .getMessage(MaintenanceEventStream.name, {
          last_by_subj: maintenanceEventSubject(window.id),
        })
        .catch(() => undefined);
      const event = message?.json<{ window: MaintenanceWindow | null }>();
      return event?.window?.updatedAt === window.updatedAt || undefined;
    });
  const notifierCaughtUp = () =>
    waitForConsumerCaughtUp(nc, CheckResultStream.name, DurableConsumers.notifierResults);
  const metricsCaughtUp = () =>
    waitForConsumerCaughtUp(nc, CheckResultStream.name, DurableConsumers.metricsResults);

  before(async () => {
    target = await TargetServer.start();
    receiver = await AlertReceiver.start<Alert>();
    await pipeline.start({ probers: 1, schedulers: 1 });
    nc = await connect({ servers: NATS_URL });
    token = (await api().newUser('maintenance')).accessToken;
    strangerToken = (await api().newUser('stranger')).accessToken;
    channelId = await api().newWebhookChannel(token, 'ops hook', receiver.url);
  });

  after(async () => {
    await nc?.close();
    await pipeline.stop();
    await target?.close();
    await receiver?.close();
  });

  it('should create, read, change and delete a window, naming each invalid field', async () => {
    const monitor = await createMonitor('crud', { paused: true });
    const body = {
      name: 'database upgrade',
      monitorIds: [monitor.id],
      startsAt: '2030-01-05T01:00:00+01:00',
      endsAt: '2030-01-05T03:00:00+01:00',
      recurrence: 'FREQ=WEEKLY;BYDAY=SU',
      timeZone: 'Europe/Berlin',
    };

    const bad = await api().post<Problem>(
      '/api/v1/maintenance-windows',
      {
        ...body,
        endsAt: body.startsAt,
        recurrence: 'FREQ=MINUTELY',
        timeZone: 'Mars/Olympus',
      },
      token,
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors?.map((e) => e.field).sort(), [
      'endsAt',
      'recurrence',
      'timeZone',
    ]);
    const unknown = await api().post<Problem>(
      '/api/v1/maintenance-windows',
      { ...body, monitorIds: [monitor.id, randomUUID()] },
      token,
    );
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.errors, [
      { field: 'monitorIds[1]', message: 'is not a monitor of this team' },
    ]);

    const created = await api().post<MaintenanceWindow>('/api/v1/maintenance-windows', body, token);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const window = created.body;
    assert.equal(created.headers.get('location'), `/api/v1/maintenance-windows/${window.id}`);
    assert.equal(window.startsAt, '2030-01-05T00:00:00.000Z');
    assert.equal(window.recurrence, 'FREQ=WEEKLY;BYDAY=SU');
    assert.deepEqual(
      (await api().get(`/api/v1/maintenance-windows/${window.id}`, token)).body,
      window,
    );
    const listed = await api().get<{ items: MaintenanceWindow[] }>(
      `/api/v1/maintenance-windows?monitorId=${monitor.id}`,
      token,
    );
    assert.deepEqual(
      listed.body.items.map((w) => w.id),
      [window.id],
    );

    // The monitor's entry shows the first Sunday 01:00 Berlin time (winter: +01:00) after start.
    const entry = await api().get<MonitorEntry>(`/api/v1/monitors/${monitor.id}`, token);
    assert.deepEqual(entry.body.nextMaintenance, {
      id: window.id,
      name: 'database upgrade',
      startsAt: '2030-01-06T00:00:00.000Z',
      endsAt: '2030-01-06T02:00:00.000Z',
    });

    const renamed = await api().patch<MaintenanceWindow>(
      `/api/v1/maintenance-windows/${window.id}`,
      { name: 'db upgrade' },
      token,
    );
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'db upgrade');
    // Checked against the stored window: an end before the stored start.
    const inverted = await api().patch<Problem>(
      `/api/v1/maintenance-windows/${window.id}`,
      { endsAt: '2030-01-04T00:00:00Z' },
      token,
    );
    assert.equal(inverted.status, 400);
    assert.deepEqual(
      inverted.body.errors?.map((e) => e.field),
      ['endsAt'],
    );

    // Another team sees nothing, changes nothing and cannot name the monitor.
    const path = `/api/v1/maintenance-windows/${window.id}`;
    assert.equal((await api().get(path, strangerToken)).status, 404);
    assert.equal((await api().patch(path, { name: 'x' }, strangerToken)).status, 404);
    assert.equal((await api().delete(path, strangerToken)).status, 404);
    assert.deepEqual(
      (await api().get<{ items: unknown[] }>('/api/v1/maintenance-windows', strangerToken)).body
        .items,
      [],
    );
    const borrowed = await api().post<Problem>('/api/v1/maintenance-windows', body, strangerToken);
    assert.equal(borrowed.status, 400);
    assert.deepEqual(
      borrowed.body.errors?.map((e) => e.field),
      ['monitorIds[0]'],
    );

    assert.equal((await api().delete(path, token)).status, 204);
    assert.equal((await api().get(path, token)).status, 404);
    const after = await api().get<MonitorEntry>(`/api/v1/monitors/${monitor.id}`, token);
    assert.equal(after.body.nextMaintenance, null);
  });

  it('should hold at most 100 windows a team, and delete them with their team', async () => {
    const owner = (await api().newUser('quota')).accessToken;
    const team = await api().post<{ id: string }>('/api/v1/teams', { name: 'ops' }, owner);
    assert.equal(team.status, 201);
    const inTeam = { token: owner, headers: { 'x-team-id': team.body.id } };
    const monitor = await api().request<Monitor>('POST', '/api/v1/monitors', {
      ...inTeam,
      body: { name: 'quota', url: target.url('quota'), paused: true },
    });
    assert.equal(monitor.status, 201, JSON.stringify(monitor.body));
    const body = (i: number) => ({
      name: `window ${i}`,
      monitorIds: [monitor.body.id],
      startsAt: '2030-01-01T00:00:00Z',
      endsAt: '2030-01-01T01:00:00Z',
    });
    const created: MaintenanceWindow[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await api().request<MaintenanceWindow>('POST', '/api/v1/maintenance-windows', {
        ...inTeam,
        body: body(i),
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      created.push(res.body);
    }
    const over = await api().request<{ type: string }>('POST', '/api/v1/maintenance-windows', {
      ...inTeam,
      body: body(100),
    });
    assert.equal(over.status, 403);
    assert.equal(over.body.type, '/problems/quota-exceeded');

    assert.equal((await api().delete(`/api/v1/teams/${team.body.id}`, owner)).status, 204);
    // Every window's last word on the stream is its deletion, so the scheduler forgets it.
    await waitFor('the deletions on MAINTENANCE_EVENTS', async () => {
      const jsm = await nc.jetstreamManager();
      for (const window of created) {
        const message = await jsm.streams
          .getMessage(MaintenanceEventStream.name, {
            last_by_subj: maintenanceEventSubject(window.id),
          })
          .catch(() => undefined);
        if (message?.json<{ window: unknown }>().window !== null) return undefined;
      }
      return true;
    });
  });

  it('should store failing checks in a one-off window as maintenance: no incident, no alert, no uptime; after it, alert as usual', async () => {
    const monitor = await createMonitor('one-off', { paused: true });
    const endsAt = new Date(Date.now() + 2.5 * INTERVAL_S * SECOND);
    const window = await createWindow({
      name: 'deploy',
      monitorIds: [monitor.id],
      startsAt: new Date(Date.now() - 60 * SECOND).toISOString(),
      endsAt: endsAt.toISOString(),
    });
    await announced(window);
    assert.equal(
      (await api().post(`/api/v1/monitors/${monitor.id}/resume`, {}, token)).status,
      200,
    );

    const entry = await api().get<MonitorEntry>(`/api/v1/monitors/${monitor.id}`, token);
    assert.equal(entry.body.nextMaintenance?.id, window.id, 'the window in progress');

    const inWindow = await waitFor(
      'two failing checks in the window',
      async () => {
        const checks = (await checksOf(monitor.id)).filter((c) => c.inMaintenance);
        return checks.length >= 2 ? checks : undefined;
      },
      CHECK_WAIT_MS,
      200,
    );
    assert.ok(inWindow.every((c) => c.outcome === 'down'));
    assert.ok(inWindow.every((c) => Date.parse(c.scheduledAt) < endsAt.getTime()));
    await notifierCaughtUp();
    await metricsCaughtUp();
    assert.deepEqual(await incidentsOf(monitor.id), []);
    assert.deepEqual(receiver.kindsOf(monitor.id), []);
    const stats = await api().get<MonitorStats>(`/api/v1/monitors/${monitor.id}/stats`, token);
    const counted = (await checksOf(monitor.id)).filter((c) => !c.inMaintenance);
    assert.equal(stats.body.totalChecks, counted.length);
    assert.equal(stats.body.failedChecks, counted.length);

    // The window is over: the next failure opens an incident and alerts.
    const outside = await waitFor(
      'a failing check after the window',
      async () => (await checksOf(monitor.id)).find((c) => !c.inMaintenance),
      CHECK_WAIT_MS,
      200,
    );
    assert.ok(Date.parse(outside.scheduledAt) >= endsAt.getTime());
    await waitFor(
      'the down alert',
      () => receiver.kindsOf(monitor.id).includes('down') || undefined,
    );
    assert.deepEqual(
      (await incidentsOf(monitor.id)).map((i) => i.state),
      ['open'],
    );
  });

  it('should not remind an incident open before a recurring window while the window is on', async () => {
    const monitor = await createMonitor('reminded', {
      alertPolicy: { renotifyMinutes: 1 },
    });
    await waitFor(
      'the down alert',
      () => receiver.kindsOf(monitor.id).includes('down') || undefined,
      CHECK_WAIT_MS,
    );
    // Daily, first yesterday: today's occurrence covers the next 75 s, past the reminder's minute.
    const now = Date.now();
    const window = await createWindow({
      name: 'nightly',
      monitorIds: [monitor.id],
      startsAt: new Date(now - 24 * 3600 * SECOND).toISOString(),
      endsAt: new Date(now - 24 * 3600 * SECOND + 75 * SECOND).toISOString(),
      recurrence: 'FREQ=DAILY',
      timeZone: 'Europe/Berlin',
    });
    const windowEnd = now + 75 * SECOND;
    await announced(window);
    await waitFor(
      'a check in the recurring window',
      async () => (await checksOf(monitor.id)).find((c) => c.inMaintenance),
      CHECK_WAIT_MS,
      200,
    );

    const reminder = await waitFor(
      'the reminder, once the window is over',
      () => receiver.of(monitor.id, 'reminder')[0],
      150 * SECOND,
      500,
    );
    assert.ok(
      Date.parse(reminder.occurredAt) >= windowEnd,
      `reminded at ${reminder.occurredAt}, before the window ended at ${new Date(windowEnd).toISOString()}`,
    );
    assert.deepEqual(
      receiver.kindsOf(monitor.id).filter((k) => k === 'down'),
      ['down'],
    );
  });
});
