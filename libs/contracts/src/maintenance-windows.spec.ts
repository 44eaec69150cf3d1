import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  instantOf,
  isInMaintenance,
  type MaintenanceWindowTimes,
  nextWindow,
  occurrencesBetween,
  recurrenceProblem,
} from './maintenance-calendar';
import { MaintenanceWindowCreateSchema, MaintenanceWindowPatchSchema } from './maintenance-windows';

const MONITOR = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const at = (iso: string) => Date.parse(iso);

function windowOf(times: Partial<MaintenanceWindowTimes>): MaintenanceWindowTimes {
  return {
    id: '33333333-3333-4333-8333-333333333333',
    name: 'db upgrade',
    monitorIds: [MONITOR],
    startsAt: '2026-06-01T10:00:00Z',
    endsAt: '2026-06-01T11:00:00Z',
    recurrence: null,
    timeZone: 'UTC',
    ...times,
  };
}

/** Daily 02:30-03:00 in Berlin, first on Friday 27 March 2026 (02:30 CET = 01:30 UTC). */
const berlinNightly = windowOf({
  startsAt: '2026-03-27T01:30:00Z',
  endsAt: '2026-03-27T02:00:00Z',
  recurrence: 'FREQ=DAILY',
  timeZone: 'Europe/Berlin',
});

describe('maintenance calendar: one-off windows', () => {
  const window = windowOf({});

  it('should hold checks from its start (included) to its end (excluded), for its monitors only', () => {
    assert.equal(isInMaintenance([window], MONITOR, at('2026-06-01T09:59:59.999Z')), false);
    assert.equal(isInMaintenance([window], MONITOR, at('2026-06-01T10:00:00Z')), true);
    assert.equal(isInMaintenance([window], MONITOR, at('2026-06-01T10:59:59.999Z')), true);
    assert.equal(isInMaintenance([window], MONITOR, at('2026-06-01T11:00:00Z')), false);
    assert.equal(isInMaintenance([window], OTHER, at('2026-06-01T10:30:00Z')), false);
  });

  it('should show the window in progress, then the next one, then none once it is over', () => {
    const later = windowOf({
      id: '44444444-4444-4444-8444-444444444444',
      name: 'later',
      startsAt: '2026-06-03T10:00:00Z',
      endsAt: '2026-06-03T12:00:00Z',
    });
    assert.equal(
      nextWindow([later, window], MONITOR, at('2026-05-01T00:00:00Z'))?.name,
      'db upgrade',
    );
    assert.equal(
      nextWindow([later, window], MONITOR, at('2026-06-01T10:30:00Z'))?.name,
      'db upgrade',
    );
    assert.deepEqual(nextWindow([later, window], MONITOR, at('2026-06-01T11:00:00Z')), {
      id: later.id,
      name: 'later',
      startsAt: '2026-06-03T10:00:00.000Z',
      endsAt: '2026-06-03T12:00:00.000Z',
    });
    assert.equal(nextWindow([later, window], MONITOR, at('2026-06-03T12:00:00Z')), null);
    assert.equal(nextWindow([later, window], OTHER, at('2026-05-01T00:00:00Z')), null);
  });
});

describe('maintenance calendar: recurrences across daylight-saving changes', () => {
  it('should keep a Berlin 02:30 window at 02:30 local time through the March change', () => {
    const starts = occurrencesBetween(
      berlinNightly,
      at('2026-03-27T00:00:00Z'),
      at('2026-03-31T00:00:00Z'),
    ).map((o) => o.startsAt);
    assert.deepEqual(starts, [
      '2026-03-27T01:30:00.000Z', // 02:30 CET
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      // 02:30 does not exist on the 29th (02:00 CET jumps to 03:00 CEST): read with the offset
      // before the change (RFC 5545), i.e. 03:30 CEST
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    // Summer time: the window moved an hour earlier in UTC, and the old hour is not maintenance.
    assert.equal(isInMaintenance([berlinNightly], MONITOR, at('2026-03-30T00:45:00Z')), true);
    assert.equal(isInMaintenance([berlinNightly], MONITOR, at('2026-03-30T01:45:00Z')), false);
  });

  it('should take the first of the two 02:30s when Berlin turns its clocks back in October', () => {
    const starts = occurrencesBetween(
      berlinNightly,
      at('2026-10-24T00:00:00Z'),
      at('2026-10-27T00:00:00Z'),
    ).map((o) => o.startsAt);
    assert.deepEqual(starts, [
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST) of the night shown twice
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
    assert.equal(isInMaintenance([berlinNightly], MONITOR, at('2026-10-26T01:40:00Z')), true);
    assert.equal(isInMaintenance([berlinNightly], MONITOR, at('2026-10-26T00:40:00Z')), false);
  });

  it('should keep a weekday 09:00 New York window at 09:00 local time in both changes', () => {
    const window = windowOf({
      startsAt: '2026-03-02T14:00:00Z', // Monday 09:00 EST
      endsAt: '2026-03-02T15:00:00Z',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
      timeZone: 'America/New_York',
    });
    assert.equal(isInMaintenance([window], MONITOR, at('2026-03-06T14:30:00Z')), true); // Fri EST
    assert.equal(isInMaintenance([window], MONITOR, at('2026-03-07T14:30:00Z')), false); // Sat
    assert.equal(isInMaintenance([window], MONITOR, at('2026-03-09T13:30:00Z')), true); // Mon EDT
    assert.equal(isInMaintenance([window], MONITOR, at('2026-03-09T14:30:00Z')), false);
    assert.equal(isInMaintenance([window], MONITOR, at('2026-11-02T14:30:00Z')), true); // Mon EST
    assert.equal(isInMaintenance([window], MONITOR, at('2026-11-02T13:30:00Z')), false);
    assert.deepEqual(nextWindow([window], MONITOR, at('2026-03-07T00:00:00Z')), {
      id: window.id,
      name: window.name,
      startsAt: '2026-03-09T13:00:00.000Z',
      endsAt: '2026-03-09T14:00:00.000Z',
    });
  });

  it('should find the first occurrence of a recurring window that starts years from now', () => {
    const later = windowOf({
      startsAt: '2030-01-05T00:00:00Z', // Saturday 01:00 in Berlin
      endsAt: '2030-01-05T02:00:00Z',
      recurrence: 'FREQ=WEEKLY;BYDAY=SU',
      timeZone: 'Europe/Berlin',
    });
    assert.equal(
      nextWindow([later], MONITOR, at('2026-12-02T00:00:00Z'))?.startsAt,
      '2030-01-06T00:00:00.000Z',
    );
  });

  it('should end with the rule: COUNT and UNTIL bound the occurrences', () => {
    const counted = { ...berlinNightly, recurrence: 'FREQ=DAILY;COUNT=2' };
    assert.equal(isInMaintenance([counted], MONITOR, at('2026-03-28T01:40:00Z')), true);
    assert.equal(isInMaintenance([counted], MONITOR, at('2026-03-29T01:40:00Z')), false);
    assert.equal(nextWindow([counted], MONITOR, at('2026-03-28T02:00:00Z')), null);
  });

  it('should read wall-clock times that exist twice or not at all by RFC 5545', () => {
    // 2026-03-29 02:30 in Berlin does not exist: the offset before the gap (+01:00).
    assert.equal(
      new Date(instantOf(Date.UTC(2026, 2, 29, 2, 30), 'Europe/Berlin')).toISOString(),
      '2026-03-29T01:30:00.000Z',
    );
    // 2026-11-01 01:30 in New York happens twice: the first (EDT, -04:00).
    assert.equal(
      new Date(instantOf(Date.UTC(2026, 10, 1, 1, 30), 'America/New_York')).toISOString(),
      '2026-11-01T05:30:00.000Z',
    );
  });
});

describe('recurrenceProblem', () => {
  const start = new Date('2026-06-01T10:00:00Z');

  it('should accept hourly to yearly rules, with or without the RRULE: prefix', () => {
    for (const rule of [
      'FREQ=HOURLY',
      'RRULE:FREQ=DAILY;INTERVAL=2',
      'FREQ=WEEKLY;BYDAY=SU;UNTIL=20270101T000000Z',
      'FREQ=MONTHLY;BYMONTHDAY=1;COUNT=12',
      'FREQ=YEARLY',
    ])
      assert.equal(recurrenceProblem(rule, start), null, rule);
  });

  it('should refuse rules more often than hourly, unknown parts and DTSTART', () => {
    assert.match(recurrenceProblem('FREQ=MINUTELY', start)!, /at most hourly/);
    assert.match(recurrenceProblem('FREQ=SECONDLY', start)!, /at most hourly/);
    assert.match(recurrenceProblem('FREQ=DAILY;BYMINUTE=0,30', start)!, /less than an hour apart/);
    assert.match(recurrenceProblem('FREQ=DAILY;DTSTART=20260101T000000Z', start)!, /DTSTART/);
    assert.match(recurrenceProblem('FREQ=DAILY;BOGUS=1', start)!, /BOGUS/);
    assert.match(recurrenceProblem('INTERVAL=2', start)!, /needs FREQ/);
    assert.match(recurrenceProblem('FREQ=WEEKLY;BYDAY=XX', start)!, /BYDAY that cannot be used/);
    assert.match(recurrenceProblem('FREQ=DAILY;FREQ=WEEKLY', start)!, /twice/);
    assert.match(recurrenceProblem('FREQ', start)!, /no value/);
  });

  it('should refuse, quickly, rules that may never occur', () => {
    const begun = Date.now();
    for (const rule of [
      'FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30',
      'FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31,-31',
      'FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=20',
      'FREQ=MONTHLY;BYDAY=5MO',
      'FREQ=DAILY;BYHOUR=24',
      'FREQ=YEARLY;BYWEEKNO=53',
      'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6',
    ])
      assert.ok(recurrenceProblem(rule, start), rule);
    assert.match(
      recurrenceProblem('FREQ=DAILY;UNTIL=20260101T000000Z', start)!,
      /no occurrence within a year/,
    );
    // An INTERVAL that never lands on the rule's filters: rrule alone would search to 9999.
    for (const rule of [
      'FREQ=HOURLY;INTERVAL=24;BYHOUR=5',
      'FREQ=HOURLY;INTERVAL=168;BYDAY=SU',
      'FREQ=DAILY;INTERVAL=7;BYDAY=SU',
      'FREQ=WEEKLY;INTERVAL=52;BYMONTH=2',
    ])
      assert.match(recurrenceProblem(rule, start)!, /no occurrence within a year/, rule);
    assert.ok(Date.now() - begun < 5000, `took ${Date.now() - begun} ms`);
  });

  it('should accept an INTERVAL that lands on its filters', () => {
    for (const rule of [
      'FREQ=HOURLY;INTERVAL=2;BYDAY=MO',
      'FREQ=DAILY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR',
      'FREQ=DAILY;INTERVAL=3;BYMONTHDAY=1,-1',
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=SU',
      'FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=1',
    ])
      assert.equal(recurrenceProblem(rule, start), null, rule);
  });
});

describe('MaintenanceWindowCreateSchema', () => {
  const body = {
    name: 'db upgrade',
    monitorIds: [MONITOR],
    startsAt: '2026-06-01T10:00:00Z',
    endsAt: '2026-06-01T11:00:00Z',
  };
  const fieldsOf = (value: unknown) =>
    MaintenanceWindowCreateSchema.safeParse(value).error?.issues.map((i) => i.path.join('.'));

  it('should default to a one-off window in UTC', () => {
    const parsed = MaintenanceWindowCreateSchema.parse(body);
    assert.equal(parsed.recurrence, null);
    assert.equal(parsed.timeZone, 'UTC');
  });

  it('should name each invalid field', () => {
    assert.deepEqual(fieldsOf({ ...body, endsAt: body.startsAt }), ['endsAt']);
    assert.deepEqual(fieldsOf({ ...body, endsAt: '2026-07-15T00:00:00Z' }), ['endsAt']);
    assert.deepEqual(fieldsOf({ ...body, timeZone: 'Mars/Olympus' }), ['timeZone']);
    assert.deepEqual(fieldsOf({ ...body, timeZone: '../etc' }), ['timeZone']);
    assert.deepEqual(fieldsOf({ ...body, monitorIds: [MONITOR, 'nope'] }), ['monitorIds.1']);
    assert.deepEqual(fieldsOf({ ...body, monitorIds: [] }), ['monitorIds']);
    assert.deepEqual(fieldsOf({ ...body, monitorIds: [MONITOR, MONITOR] }), ['monitorIds.1']);
    assert.deepEqual(fieldsOf({ ...body, recurrence: 'FREQ=MINUTELY' }), ['recurrence']);
    assert.deepEqual(fieldsOf({ ...body, startsAt: 'tomorrow' }), ['startsAt']);
    assert.deepEqual(fieldsOf({ ...body, name: ' ' }), ['name']);
    assert.deepEqual(fieldsOf({ ...body, owner: 'x' }), ['']);
  });

  it('should check the times of a PATCH that names both ends', () => {
    const patch = MaintenanceWindowPatchSchema.safeParse({
      startsAt: '2026-06-01T10:00:00Z',
      endsAt: '2026-06-01T09:00:00Z',
    });
    assert.deepEqual(
      patch.error?.issues.map((i) => i.path.join('.')),
      ['endsAt'],
    );
    assert.equal(MaintenanceWindowPatchSchema.safeParse({ name: 'x' }).success, true);
  });
});
