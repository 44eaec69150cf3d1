import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChecksCsvQuerySchema, ReportQuerySchema } from './reports';

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The fields a query's problems name, as the gateway's 400 answer lists them. */
function fieldsOf(schema: typeof ReportQuerySchema | typeof ChecksCsvQuerySchema, query: object) {
  return schema.safeParse(query).error?.issues.map((i) => i.path.join('.')) ?? [];
}

describe('report and checks.csv ranges', () => {
  const now = Date.now();
  for (const schema of [ReportQuerySchema, ChecksCsvQuerySchema]) {
    it('should take a range within the last five years, its ends given or not', () => {
      assert.deepEqual(fieldsOf(schema, {}), []);
      assert.deepEqual(fieldsOf(schema, { from: iso(now - DAY_MS) }), []);
      assert.deepEqual(fieldsOf(schema, { to: iso(now - 365 * DAY_MS) }), []);
      assert.deepEqual(fieldsOf(schema, { from: iso(now - 4 * 365 * DAY_MS), to: iso(now) }), []);
    });

    it('should refuse a `to` alone whose derived `from` is older than five years', () => {
      // Found by a hostile trial: `to=0000-01-01T00:00:00Z` alone passed and failed later.
      assert.deepEqual(fieldsOf(schema, { to: '2000-01-01T00:00:00Z' }), ['to']);
      assert.deepEqual(fieldsOf(schema, { to: '0000-01-01T00:00:00Z' }), ['to']);
    });

    it('should refuse a range longer than five years, however far its `to` reaches', () => {
      assert.deepEqual(fieldsOf(schema, { from: iso(now - DAY_MS), to: '9999-12-31T00:00:00Z' }), [
        'to',
      ]);
      assert.deepEqual(fieldsOf(schema, { to: '9999-12-31T00:00:00Z' }), []);
    });

    it('should name `from` for a range that ends before it starts or starts too early', () => {
      assert.deepEqual(fieldsOf(schema, { from: iso(now), to: iso(now - 1) }), ['from']);
      assert.deepEqual(fieldsOf(schema, { from: iso(now - 6 * 365 * DAY_MS) }), ['from']);
    });
  }
});
