import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@uptime/config';
import { DEFAULT_REGION_INCIDENTS, loadNotifierConfig } from './config';

const REQUIRED = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };

describe('loadNotifierConfig targets', () => {
  it('should let channels reach public addresses only by default', () => {
    const { targets } = loadNotifierConfig(REQUIRED);
    assert.equal(targets.refusal('127.0.0.1'), 'loopback');
    assert.equal(targets.refusal('93.184.215.14'), null);
  });

  it('should read PROBE_ALLOW_PRIVATE and PROBE_ALLOWED_CIDRS as the prober does', () => {
    const open = loadNotifierConfig({ ...REQUIRED, PROBE_ALLOW_PRIVATE: 'yes' }).targets;
    assert.equal(open.refusal('10.0.0.1'), null);
    assert.equal(open.refusal('fd00:ec2::254'), 'cloud metadata');
    const some = loadNotifierConfig({ ...REQUIRED, PROBE_ALLOWED_CIDRS: '127.0.0.0/8' }).targets;
    assert.equal(some.refusal('127.0.0.2'), null);
    assert.equal(some.refusal('10.0.0.1'), 'private');
  });

  it('should refuse to start on a malformed network or switch, naming the variable', () => {
    assert.throws(
      () =>
        loadNotifierConfig({
          ...REQUIRED,
          PROBE_ALLOWED_CIDRS: 'intranet',
          PROBE_ALLOW_PRIVATE: '2',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /PROBE_ALLOWED_CIDRS\.0: "intranet" is not a CIDR/);
        assert.match(err.message, /PROBE_ALLOW_PRIVATE: must be true or false/);
        return true;
      },
    );
  });
});

describe('loadNotifierConfig channel APIs', () => {
  it('should send PagerDuty, Opsgenie and Telegram channels to the public APIs by default', () => {
    assert.deepEqual(loadNotifierConfig(REQUIRED).channelApis, {
      pagerDutyEventsUrl: 'https://events.pagerduty.com/v2/enqueue',
      opsgenieApiUrl: 'https://api.opsgenie.com',
      opsgenieEuApiUrl: 'https://api.eu.opsgenie.com',
      telegramApiUrl: 'https://api.telegram.org',
    });
  });

  it("should take the operator's URLs, and refuse one that is not http(s), naming it", () => {
    const apis = loadNotifierConfig({
      ...REQUIRED,
      PAGERDUTY_EVENTS_URL: 'http://127.0.0.1:9000/v2/enqueue',
      TELEGRAM_API_URL: 'https://relay.internal/telegram',
    }).channelApis;
    assert.equal(apis?.pagerDutyEventsUrl, 'http://127.0.0.1:9000/v2/enqueue');
    assert.equal(apis?.telegramApiUrl, 'https://relay.internal/telegram');
    assert.throws(
      () => loadNotifierConfig({ ...REQUIRED, OPSGENIE_API_URL: 'ftp://api.opsgenie.com' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /OPSGENIE_API_URL: must be an http\(s\) URL/);
        return true;
      },
    );
  });
});

describe('loadNotifierConfig region incidents', () => {
  it('should turn region incidents on with a one-interval window and no operator channel by default', () => {
    const config = loadNotifierConfig(REQUIRED);
    assert.deepEqual(config.regionIncidents, { windowMs: 60_000, minMonitors: 3, minOwners: 2 });
    assert.deepEqual(config.regionIncidents, DEFAULT_REGION_INCIDENTS);
    assert.equal(config.operatorChannelId, undefined);
  });

  it('should turn region incidents off with a window of 0', () => {
    const config = loadNotifierConfig({ ...REQUIRED, REGION_INCIDENT_WINDOW_MS: '0' });
    assert.equal(config.regionIncidents?.windowMs, 0);
  });

  it('should read the window, the minimums and the operator channel', () => {
    const config = loadNotifierConfig({
      ...REQUIRED,
      REGION_INCIDENT_WINDOW_MS: '30000',
      REGION_INCIDENT_MIN_MONITORS: '5',
      REGION_INCIDENT_MIN_OWNERS: '1',
      OPERATOR_CHANNEL_ID: '5d2e8f10-3c4b-4a69-8d7e-6f5a4b3c2d10',
    });
    assert.deepEqual(config.regionIncidents, { windowMs: 30_000, minMonitors: 5, minOwners: 1 });
    assert.equal(config.operatorChannelId, '5d2e8f10-3c4b-4a69-8d7e-6f5a4b3c2d10');
  });

  it('should refuse a channel id that is no UUID and a negative window, naming them', () => {
    assert.throws(
      () =>
        loadNotifierConfig({
          ...REQUIRED,
          OPERATOR_CHANNEL_ID: 'ops-pager',
          REGION_INCIDENT_WINDOW_MS: '-1',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /OPERATOR_CHANNEL_ID: must be a channel id/);
        assert.match(err.message, /REGION_INCIDENT_WINDOW_MS: must be 0 or more/);
        return true;
      },
    );
  });
});
