import { freePort } from '@uptime/embedded';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from '../support/api-client';
import { AppProcess } from '../support/app-process';
import { OtlpReceiver } from '../support/otlp-receiver';
import { NATS_URL } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

/** `npm start`: the platform's own lines and every app's in it, JSON too; its spans one service. */
describe('observability of the single-process platform', () => {
  let db: TestDatabase;
  let dataDir: string;
  let otlp: OtlpReceiver;
  let platform: AppProcess | undefined;

  before(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'uptime-observability-platform-'));
    otlp = await OtlpReceiver.start();
  });
  after(async () => {
    await platform?.stop('SIGKILL').catch(() => undefined);
    await otlp?.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('should write only JSON lines and trace a request across its apps as uptime-platform', async () => {
    const port = await freePort();
    platform = AppProcess.start('platform', {
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      PORT: String(port),
      NATS_URL,
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    await platform.waitReady(`http://127.0.0.1:${port}`, 90_000);
    await new ApiClient(`http://127.0.0.1:${port}`).newUser('platform-observed');

    const root = await waitFor('the register span', () =>
      otlp.spans.find((s) => s.name === 'POST /api/v1/auth/register'),
    );
    assert.equal(root.service, 'uptime-platform');
    const answered = await waitFor("the registry's answer in the same trace", () =>
      otlp.spans.find(
        (s) => s.traceId === root.traceId && s.name.startsWith('registry.') && s.kind === 2,
      ),
    );
    assert.equal(answered.service, 'uptime-platform');

    assert.equal(await platform.stop('SIGTERM'), 0);
    const lines = platform.stdout.split('\n').filter((line) => line !== '');
    assert.ok(lines.length > 3, `${lines.length} lines`);
    for (const [i, line] of lines.entries()) {
      const parsed = (() => {
        try {
          return JSON.parse(line) as { level: unknown };
        } catch {
          return assert.fail(`platform stdout line ${i + 1} is not JSON: ${line}`);
        }
      })();
      assert.equal(typeof parsed.level, 'string');
    }
    assert.ok(
      lines.some((l) => l.includes('"context":"platform"')),
      'its own lines too',
    );
  });
});
