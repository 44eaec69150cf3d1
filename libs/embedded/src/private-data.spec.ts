import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { keepPrivate } from './private-data';

describe('keepPrivate', () => {
  const roots: string[] = [];
  after(async () => {
    for (const r of roots) await rm(r, { recursive: true, force: true });
  });

  it('should make DATA_DIR and what an earlier run left in it owner-only', async () => {
    const root = await mkdtemp(join(tmpdir(), 'private-spec-'));
    roots.push(root);
    const dataDir = join(root, 'data');
    await mkdir(join(dataDir, 'clickhouse', 'store'), { recursive: true });
    await chmod(dataDir, 0o755);
    await chmod(join(dataDir, 'clickhouse'), 0o711);
    await writeFile(join(dataDir, 'clickhouse', 'store', 'part.bin'), 'x', { mode: 0o644 });
    await writeFile(join(dataDir, 'tool'), 'x', { mode: 0o755 });
    await keepPrivate(dataDir);
    const mode = async (p: string) => (await stat(join(dataDir, p))).mode & 0o777;
    assert.equal(await mode('.'), 0o700);
    assert.equal(await mode('clickhouse'), 0o700);
    assert.equal(await mode('clickhouse/store'), 0o700);
    assert.equal(await mode('clickhouse/store/part.bin'), 0o600);
    assert.equal(await mode('tool'), 0o700);
  });

  it('should create a missing DATA_DIR 0700', async () => {
    const root = await mkdtemp(join(tmpdir(), 'private-spec-'));
    roots.push(root);
    await keepPrivate(join(root, 'a', 'b'));
    assert.equal((await stat(join(root, 'a', 'b'))).mode & 0o777, 0o700);
  });
});
