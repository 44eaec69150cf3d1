import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  ConfigError,
  envFields,
  metricsEndpointOf,
  metricsEnvFields,
  parseEnv,
  redact,
} from './env';
import { nestLogLevels } from './log-levels';

const schema = z.object({
  PORT: envFields.port(3000),
  DATABASE_URL: envFields.databaseUrl,
  PROBE_ALLOW_PRIVATE: envFields.boolean(false),
});

describe('parseEnv', () => {
  it('should apply defaults and coerce values', () => {
    const env = parseEnv(schema, { DATABASE_URL: 'postgres://h/db', PROBE_ALLOW_PRIVATE: 'true' });
    assert.deepEqual(env, {
      PORT: 3000,
      DATABASE_URL: 'postgres://h/db',
      PROBE_ALLOW_PRIVATE: true,
    });
  });

  it('should treat an empty variable as unset', () => {
    assert.equal(parseEnv(schema, { DATABASE_URL: 'postgres://h/db', PORT: '' }).PORT, 3000);
  });

  it('should report every problem at once, by variable, without printing passwords', () => {
    assert.throws(
      () =>
        parseEnv(schema, {
          PORT: '70000',
          DATABASE_URL: 'mysql://root:hunter2@h/db',
          PROBE_ALLOW_PRIVATE: 'maybe',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems.length, 3);
        assert.match(err.message, /PORT: must be between 0 and 65535/);
        assert.match(err.message, /DATABASE_URL: must be a postgres:\/\/ URL/);
        assert.match(err.message, /PROBE_ALLOW_PRIVATE: must be true or false/);
        assert.doesNotMatch(err.message, /hunter2/);
        return true;
      },
    );
  });

  it('should name a bad secret without echoing it', () => {
    const secrets = z.object({ JWT_SECRET: envFields.secret, SMTP_PASSWORD: z.string().min(99) });
    const jwt = 'jwt-hunter2-but-short';
    const smtp = 'smtp-hunter2';
    assert.throws(
      () => parseEnv(secrets, { JWT_SECRET: jwt, SMTP_PASSWORD: smtp }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /JWT_SECRET: must be at least 32 characters \(value hidden\)/);
        assert.match(err.message, /SMTP_PASSWORD: /);
        assert.ok(!err.message.includes(jwt) && !err.message.includes(smtp), err.message);
        return true;
      },
    );
  });

  it('should not echo a URL it cannot read, nor a token in a URL it can', () => {
    const urls = z.object({ DATABASE_URL: envFields.databaseUrl, NATS_URL: envFields.natsUrl });
    assert.throws(
      () =>
        parseEnv(urls, {
          DATABASE_URL: 'postgres//app:hunter2@db:5432/uptime',
          NATS_URL: 'http://s3cr3t-token@nats:4222/?password=hunter3',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /DATABASE_URL: must be a postgres:\/\/ URL.*\(value hidden\)/);
        assert.match(err.message, /NATS_URL: .*got "http:\/\/\*\*\*@nats:4222\/\?password=\*\*\*"/);
        for (const secret of ['hunter2', 's3cr3t-token', 'hunter3'])
          assert.ok(!err.message.includes(secret), err.message);
        return true;
      },
    );
  });

  it('should say which required variable is missing', () => {
    assert.throws(() => parseEnv(schema, {}), /DATABASE_URL: .*\(is missing\)/);
  });
});

describe('redact', () => {
  it('should hide the password of a URL and leave other values alone', () => {
    assert.equal(redact('postgres://u:secret@h:5432/db'), 'postgres://u:***@h:5432/db');
    assert.equal(redact('nats://h:4222'), 'nats://h:4222');
  });

  it('should hide a token that stands as the user of a URL, and query values', () => {
    assert.equal(redact('nats://tok3n@h:4222'), 'nats://***@h:4222');
    assert.equal(redact('smtp://h:25/?pass=x'), 'smtp://h:25/?pass=***');
  });
});

describe('envFields.trustedProxies', () => {
  const schema = z.object({ TRUSTED_PROXIES: envFields.trustedProxies });

  it('should trust loopback proxies when unset, as before', () => {
    assert.deepEqual(parseEnv(schema, {}).TRUSTED_PROXIES, ['loopback']);
  });

  it('should take addresses, ranges and names, and none for no proxy at all', () => {
    assert.deepEqual(
      parseEnv(schema, { TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.7,::1,uniquelocal' })
        .TRUSTED_PROXIES,
      ['10.0.0.0/8', '192.0.2.7', '::1', 'uniquelocal'],
    );
    assert.deepEqual(parseEnv(schema, { TRUSTED_PROXIES: 'none' }).TRUSTED_PROXIES, []);
  });

  it('should refuse what is neither an address nor a known name', () => {
    assert.throws(
      () => parseEnv(schema, { TRUSTED_PROXIES: 'loopback,proxy.example' }),
      /TRUSTED_PROXIES.1: each must be an address, a CIDR range/,
    );
  });
});

describe('envFields.publicUrl', () => {
  const schema = z.object({ PUBLIC_URL: envFields.publicUrl });

  it('should leave the default to each app, and drop a trailing slash', () => {
    assert.equal(parseEnv(schema, {}).PUBLIC_URL, undefined);
    assert.equal(
      parseEnv(schema, { PUBLIC_URL: 'https://uptime.example.com/' }).PUBLIC_URL,
      'https://uptime.example.com',
    );
    assert.equal(
      parseEnv(schema, { PUBLIC_URL: 'http://10.0.0.5:8080/uptime' }).PUBLIC_URL,
      'http://10.0.0.5:8080/uptime',
    );
  });

  it('should refuse anything but an http(s) URL', () => {
    for (const value of ['uptime.example.com', 'ftp://uptime.example.com', 'javascript:alert(1)']) {
      assert.throws(
        () => parseEnv(schema, { PUBLIC_URL: value }),
        /PUBLIC_URL: must be the http\(s\) URL/,
        value,
      );
    }
  });
});

describe('metricsEndpointOf', () => {
  const schema = z.object(metricsEnvFields);

  it('should keep /metrics on the app port unless METRICS_PORT is set', () => {
    assert.equal(metricsEndpointOf(parseEnv(schema, {})), undefined);
  });

  it('should bind METRICS_HOST, else the host of the app', () => {
    assert.deepEqual(metricsEndpointOf(parseEnv(schema, { METRICS_PORT: '9464' }), '127.0.0.1'), {
      port: 9464,
      host: '127.0.0.1',
    });
    assert.deepEqual(
      metricsEndpointOf(parseEnv(schema, { METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' })),
      { port: 9464, host: '10.0.0.5' },
    );
  });
});

describe('nestLogLevels', () => {
  it('should include every level up to the chosen one', () => {
    assert.deepEqual(nestLogLevels('warn'), ['fatal', 'error', 'warn']);
    assert.deepEqual(nestLogLevels('info'), ['fatal', 'error', 'warn', 'log']);
  });
});

describe('LOG_FORMAT and OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  const observed = z.object({
    LOG_FORMAT: envFields.logFormat,
    OTEL_EXPORTER_OTLP_ENDPOINT: envFields.otlpEndpoint,
  });

  it('should default to text and no tracing', () => {
    assert.deepEqual(parseEnv(observed, {}), { LOG_FORMAT: 'text' });
  });

  it('should take json and an http(s) collector', () => {
    assert.deepEqual(
      parseEnv(observed, { LOG_FORMAT: 'json', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' }),
      { LOG_FORMAT: 'json', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' },
    );
  });

  it('should name each bad value', () => {
    assert.throws(
      () =>
        parseEnv(observed, { LOG_FORMAT: 'xml', OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://otel:4317' }),
      (err: ConfigError) =>
        err.problems.some((p) => p.startsWith('LOG_FORMAT: must be text or json')) &&
        err.problems.some((p) =>
          p.startsWith('OTEL_EXPORTER_OTLP_ENDPOINT: must be the http(s) URL'),
        ),
    );
  });
});
