import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Palette } from '../terminal/palette';
import type { ConfigPlan } from './config-plan';
import { renderPlan } from './plan-renderer';

const plain = new Palette(false);
const coloured = new Palette(true);

const plan = (overrides: Partial<ConfigPlan> = {}): ConfigPlan => ({
  create: [],
  update: [],
  delete: [],
  unchanged: [],
  applied: false,
  ...overrides,
});

const changes = plan({
  create: [{ key: 'shop' }],
  update: [
    {
      key: 'api',
      id: 'a1',
      changes: [
        { field: 'intervalSeconds', from: 60, to: 30 },
        { field: 'regions', from: [], to: ['eu-west'] },
        { field: 'maxLatencyMs', from: null, to: 800 },
      ],
    },
  ],
  delete: [{ key: 'old', id: 'o1' }],
  unchanged: ['docs', 'blog'],
});

describe('renderPlan', () => {
  it('should show each monitor to create, change and delete, then the plan summary', () => {
    assert.equal(
      renderPlan(changes, plain),
      [
        '+ shop',
        '~ api',
        '    intervalSeconds: 60 → 30',
        '    regions: [] → ["eu-west"]',
        '    maxLatencyMs: null → 800',
        '- old',
        '',
        'Plan: 1 to create, 1 to change, 1 to delete, 2 unchanged.',
        '',
      ].join('\n'),
    );
  });

  it('should colour creations green, changes yellow and deletions red', () => {
    const lines = renderPlan(changes, coloured).split('\n');
    assert.equal(lines[0], '\u001b[32m+ shop\u001b[0m');
    assert.equal(lines[1], '\u001b[33m~ api\u001b[0m');
    assert.equal(lines[5], '\u001b[31m- old\u001b[0m');
    assert.equal(
      lines[7],
      '\u001b[1mPlan:\u001b[0m 1 to create, 1 to change, 1 to delete, 2 unchanged.',
    );
  });

  it('should say what was done once the plan is applied', () => {
    assert.match(
      renderPlan({ ...changes, applied: true }, plain),
      /\nApplied: 1 created, 1 changed, 1 deleted, 2 unchanged\.\n$/,
    );
  });

  it('should say there is nothing to do when every monitor matches', () => {
    assert.equal(
      renderPlan(plan({ unchanged: ['a', 'b'] }), plain),
      'No changes. 2 monitors unchanged.\n',
    );
    assert.equal(
      renderPlan(plan({ unchanged: ['a'] }), plain),
      'No changes. 1 monitor unchanged.\n',
    );
  });

  it('should name a changed field alone when the plan leaves its values out', () => {
    const update = [{ key: 'big', id: 'b1', changes: [{ field: 'body' }] }];
    assert.match(renderPlan(plan({ update }), plain), /^~ big\n {4}body \(changed\)\n/);
  });

  it('should show a creation by key alone when the plan leaves the monitor out', () => {
    assert.equal(
      renderPlan(plan({ create: [{ key: 'bare' }] }), plain),
      '+ bare\n\nPlan: 1 to create, 0 to change, 0 to delete, 0 unchanged.\n',
    );
  });
});
