import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, envFields, parseEnv, redact } from './env';
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

  it('should say which required variable is missing', () => {
    assert.throws(() => parseEnv(schema, {}), /DATABASE_URL: .*\(is missing\)/);
  });
});

describe('redact', () => {
  it('should hide the password of a URL and leave other values alone', () => {
    assert.equal(redact('postgres://u:secret@h:5432/db'), 'postgres://u:***@h:5432/db');
    assert.equal(redact('nats://h:4222'), 'nats://h:4222');
  });
});

describe('nestLogLevels', () => {
  it('should include every level up to the chosen one', () => {
    assert.deepEqual(nestLogLevels('warn'), ['fatal', 'error', 'warn']);
    assert.deepEqual(nestLogLevels('info'), ['fatal', 'error', 'warn', 'log']);
  });
});
