import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BuiltPageLimits, BuiltPages } from './built-pages';

/** A build the test ends when it chooses: what a slow registry or metrics answer looks like. */
interface PendingBuild {
  key: string;
  finish: (value: string) => void;
  fail: (err: Error) => void;
}

/** BuiltPages over builds the test finishes by hand and a clock it moves. */
function pagesWith(limits: Partial<BuiltPageLimits> = {}) {
  let clock = 1_000_000;
  const builds: PendingBuild[] = [];
  const failures: string[] = [];
  const pages = new BuiltPages<string>(
    {
      ttlMs: 30_000,
      refreshAfterMs: 20_000,
      maxPages: 100,
      maxBytes: 1_000_000,
      now: () => clock,
      ...limits,
    },
    (key) =>
      new Promise<string>((finish, fail) => {
        builds.push({ key, finish, fail });
      }),
    (value) => value.length,
    (key, err) => failures.push(`${key}: ${(err as Error).message}`),
  );
  /** Finishes the oldest running build with `value`, then lets its waiters run. */
  const finish = async (value: string) => {
    const build = builds.shift();
    assert.ok(build, 'a build is running');
    build.finish(value);
    await settled();
  };
  return {
    pages,
    builds,
    failures,
    finish,
    advance: (ms: number) => (clock += ms),
  };
}

/** Lets resolved builds' callbacks run. */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Whether the promise has settled by now. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await settled();
  return done;
}

describe('BuiltPages', () => {
  it('should make concurrent requests for a page nobody has built share one build', async () => {
    const { pages, builds, finish } = pagesWith();
    const waiting = Array.from({ length: 50 }, () => pages.get('acme'));
    assert.equal(builds.length, 1);
    await finish('v1');
    assert.deepEqual(await Promise.all(waiting), Array(50).fill('v1'));
    assert.equal(await pages.get('acme'), 'v1');
    assert.equal(builds.length, 0, 'served as kept, no build');
  });

  it('should share a failed build’s error with its waiters, keep nothing, and build again on the next request', async () => {
    const { pages, builds } = pagesWith();
    const waiting = [pages.get('acme'), pages.get('acme')];
    builds.shift()!.fail(new Error('registry timed out'));
    for (const w of waiting) await assert.rejects(w, /registry timed out/);
    void pages.get('acme');
    assert.equal(builds.length, 1);
  });

  it('should serve a page as kept until its refresh age, then rebuild it once in the background while serving it', async () => {
    const { pages, builds, finish, advance } = pagesWith();
    void pages.get('acme');
    await finish('v1');
    advance(19_999);
    assert.equal(await pages.get('acme'), 'v1');
    assert.equal(builds.length, 0);
    advance(1);
    // From 20 s on: served at once, and one build starts however many requests come.
    const served = await Promise.all(Array.from({ length: 20 }, () => pages.get('acme')));
    assert.deepEqual(served, Array(20).fill('v1'));
    assert.equal(builds.length, 1);
    await finish('v2');
    assert.equal(await pages.get('acme'), 'v2');
    // The new page counts its age from its own build.
    advance(19_000);
    assert.equal(await pages.get('acme'), 'v2');
    assert.equal(builds.length, 0);
  });

  it('should never serve a page older than its time to live: past it, the request waits for the build', async () => {
    const { pages, builds, finish, advance } = pagesWith();
    void pages.get('acme');
    await finish('v1');
    advance(30_000);
    const waiting = pages.get('acme');
    assert.equal(await isSettled(waiting), false);
    assert.equal(builds.length, 1);
    await finish('v2');
    assert.equal(await waiting, 'v2');
  });

  it('should age a page from the start of its build, so a slow build does not lengthen its life', async () => {
    const { pages, finish, advance } = pagesWith();
    void pages.get('acme');
    advance(25_000);
    await finish('v1');
    advance(5_000);
    const waiting = pages.get('acme');
    assert.equal(await isSettled(waiting), false, '30 s after the build began: not served');
  });

  it('should keep serving the kept page when a background rebuild fails, say so, and wait for a build after its time to live', async () => {
    const { pages, builds, failures, finish, advance } = pagesWith();
    void pages.get('acme');
    await finish('v1');
    advance(21_000);
    assert.equal(await pages.get('acme'), 'v1');
    builds.shift()!.fail(new Error('metrics unavailable'));
    await settled();
    assert.deepEqual(failures, ['acme: metrics unavailable']);
    advance(1_000);
    // Still fresh enough: served, and another rebuild is tried.
    assert.equal(await pages.get('acme'), 'v1');
    assert.equal(builds.length, 1);
    builds.shift()!.fail(new Error('metrics unavailable'));
    await settled();
    advance(8_000);
    const waiting = pages.get('acme');
    assert.equal(await isSettled(waiting), false);
    await finish('v2');
    assert.equal(await waiting, 'v2');
  });

  it('should build a forgotten page anew on the next request, without keeping what a build begun before read', async () => {
    const { pages, builds, finish } = pagesWith();
    const before = pages.get('acme');
    pages.forget('acme');
    const after = pages.get('acme');
    assert.equal(builds.length, 2, 'the request after forget does not join the older build');
    await finish('old');
    assert.equal(await before, 'old');
    await finish('new');
    assert.equal(await after, 'new');
    assert.equal(await pages.get('acme'), 'new');
    assert.equal(builds.length, 0);
    pages.forget('acme');
    void pages.get('acme');
    assert.equal(builds.length, 1, 'a kept page is dropped by forget');
  });

  it('should keep other pages’ builds when one page is forgotten, however often', async () => {
    const { pages, builds, finish } = pagesWith();
    const waiting = pages.get('busy');
    // Another account's page changing over and over while this one builds.
    for (let i = 0; i < 100; i++) pages.forget('restless');
    await finish('built');
    assert.equal(await waiting, 'built');
    assert.equal(await pages.get('busy'), 'built');
    assert.equal(builds.length, 0, 'kept');
  });

  it('should keep nothing a build begun before forgetAll read (a notice missed)', async () => {
    const { pages, builds, finish } = pagesWith();
    void pages.get('kept');
    await finish('k1');
    const waiting = pages.get('running');
    pages.forgetAll();
    await finish('r1');
    assert.equal(await waiting, 'r1');
    assert.deepEqual(pages.size, { pages: 0, bytes: 0 });
    void pages.get('running');
    void pages.get('kept');
    assert.equal(builds.length, 2);
  });

  it('should keep at most maxPages pages, dropping the least recently served first', async () => {
    const { pages, builds, finish } = pagesWith({ maxPages: 3 });
    for (const key of ['a', 'b', 'c']) {
      void pages.get(key);
      await finish(key);
    }
    await pages.get('a');
    void pages.get('d');
    await finish('d');
    assert.deepEqual(pages.size, { pages: 3, bytes: 3 });
    for (const key of ['a', 'c', 'd']) assert.equal(await pages.get(key), key);
    assert.equal(builds.length, 0);
    void pages.get('b');
    assert.equal(builds.length, 1, 'b was dropped');
  });

  it('should keep at most maxBytes over all pages, and never keep one page larger than that', async () => {
    const { pages, builds, finish } = pagesWith({ maxBytes: 10 });
    void pages.get('a');
    await finish('aaaa');
    void pages.get('b');
    await finish('bbbb');
    void pages.get('c');
    await finish('cccc');
    assert.deepEqual(pages.size, { pages: 2, bytes: 8 });
    void pages.get('a');
    assert.equal(builds.length, 1, 'a, the oldest, was dropped');
    await finish('aaaa');
    const huge = pages.get('huge');
    await finish('x'.repeat(11));
    assert.equal(await huge, 'x'.repeat(11), 'served to its request');
    assert.ok(pages.size.bytes <= 10);
    void pages.get('huge');
    assert.equal(builds.length, 1, 'not kept');
  });

  it('should stay bounded when every request names another page', async () => {
    const { pages, builds } = pagesWith({ maxPages: 50, maxBytes: 400 });
    for (let i = 0; i < 1000; i++) {
      const page = pages.get(`random-${i}`);
      builds.shift()!.finish(`page ${i}`);
      await page;
    }
    assert.ok(pages.size.pages <= 50);
    assert.ok(pages.size.bytes <= 400);
  });
});
