import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRunning, endLeftover } from './embedded-process';

/** A real process standing for a server left behind, its data folder among its arguments. */
function server(marker: string): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], {
    stdio: 'ignore',
  });
}

describe('endLeftover', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leftover-spec-'));
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('should end a live process of that program with that data folder', async () => {
    const marker = join(dir, 'nats');
    const child = server(marker);
    children.push(child);
    await new Promise((r) => child.once('spawn', r));
    await writeFile(join(dir, 'a.pid'), `${child.pid}\n`);
    await endLeftover(join(dir, 'a.pid'), process.execPath, marker, 'SIGTERM', () => undefined);
    const ended = await Promise.race([
      new Promise((r) =>
        child.signalCode ? r(child.signalCode) : child.once('exit', (_c, sig) => r(sig)),
      ),
      new Promise((r) => setTimeout(() => r('still running'), 1000)),
    ]);
    assert.equal(ended, 'SIGTERM');
  });

  it('should leave alone a process whose pid was recorded but that is something else', async () => {
    const other = server(join(dir, 'someone-elses'));
    children.push(other);
    await new Promise((r) => other.once('spawn', r));
    await writeFile(join(dir, 'b.pid'), `${other.pid}\n`);
    const lines: string[] = [];
    await endLeftover(join(dir, 'b.pid'), process.execPath, join(dir, 'nats'), 'SIGTERM', (l) =>
      lines.push(l),
    );
    await endLeftover(
      join(dir, 'b.pid'),
      '/usr/sbin/nats-server',
      join(dir, 'someone-elses'),
      'SIGTERM',
      (l) => lines.push(l),
    );
    assert.equal(other.exitCode, null);
    assert.ok(isRunning(other.pid!), 'a recycled pid is not ours to end');
    assert.deepEqual(lines, []);
  });

  it('should do nothing without a pid file or with garbage in it', async () => {
    await endLeftover(join(dir, 'none.pid'), process.execPath, dir, 'SIGTERM', () => assert.fail());
    await writeFile(join(dir, 'bad.pid'), 'not a pid\n');
    await endLeftover(join(dir, 'bad.pid'), process.execPath, dir, 'SIGTERM', () => assert.fail());
  });
});
