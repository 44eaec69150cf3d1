import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { documented } from '@uptime/config';
import { z } from 'zod';
import { envTable, README_PATH, renderReadme } from './readme-tables';

/** The first line where two texts part, for a message that says where the README drifted. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = a.findIndex((text, i) => text !== e[i]);
  const at = line < 0 ? a.length : line;
  return `line ${at + 1}:\n  README.md: ${a[at] ?? '(end)'}\n  generated: ${e[at] ?? '(end)'}`;
}

async function assertCurrent(readme: string): Promise<void> {
  const generated = await renderReadme(readme);
  assert.ok(
    readme === generated,
    `README.md's route or configuration table differs from the code at ${firstDifference(readme, generated)}\nRun \`npm run docs\` to regenerate them.`,
  );
}

describe('README tables', () => {
  it('README.md holds the routes of the OpenAPI document and the variables of the app schemas', async () => {
    await assertCurrent(await readFile(README_PATH, 'utf8'));
  });

  it('a row changed by hand is a drift that names npm run docs', async () => {
    const readme = await readFile(README_PATH, 'utf8');
    const drifted = readme.replace('| `GET /dashboard` ', '| `GET /dashboards`');
    assert.notEqual(drifted, readme, 'the README lists GET /dashboard');
    await assert.rejects(assertCurrent(drifted), /GET \/dashboards[\s\S]*npm run docs/);
  });

  it('a route missing from the table is a drift', async () => {
    const readme = await readFile(README_PATH, 'utf8');
    const drifted = readme.replace(/^\| `DELETE \/alerts\/\{id\}`.*\n/m, '');
    assert.notEqual(drifted, readme, 'the README lists DELETE /alerts/{id}');
    await assert.rejects(assertCurrent(drifted), /npm run docs/);
  });

  it('a README without the markers is refused, not silently left as it is', async () => {
    const readme = await readFile(README_PATH, 'utf8');
    await assert.rejects(
      renderReadme(readme.replace('<!-- env:start -->', '')),
      /lacks the <!-- env:start -->/,
    );
  });

  it('a variable no schema describes stops the table, naming it', () => {
    const schemas = [['gateway', z.object({ NEW_KNOB: z.string().optional() })] as const];
    assert.throws(() => envTable(schemas), /NEW_KNOB has no description/);
  });

  it('a variable two apps describe differently stops the table, naming it', () => {
    const schemas = [
      ['gateway', z.object({ KNOB: z.string().describe('one thing') })] as const,
      ['scheduler', z.object({ KNOB: z.string().describe('another thing') })] as const,
    ];
    assert.throws(() => envTable(schemas), /KNOB is described differently/);
  });

  it('lists each variable once, with every app that reads it and its schema default', () => {
    const knob = documented(z.coerce.number().default(7), { description: 'a knob' });
    const table = envTable([
      ['gateway', z.object({ KNOB: knob })],
      ['platform', z.object({ KNOB: z.coerce.number().optional() })],
    ]);
    assert.match(table, /^\| `KNOB` \| gateway, platform \| `7` \| a knob \|$/m);
    assert.equal(table.split('\n').length, 3, 'a header, a separator and one row');
  });
});
