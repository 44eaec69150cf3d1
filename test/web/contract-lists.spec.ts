import {
  ASSERTION_OPERATORS,
  CHANNEL_TYPE_NAMES,
  DNS_RECORD_TYPES,
  HTTP_METHODS,
  MAX_RESPONSE_TIME_IDS,
  MONITOR_TYPES,
  TEAM_ROLES,
} from '@uptime/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The dashboard is a browser bundle that carries no server code, so it keeps its own copies of
 * the API's choice lists (what its forms offer). They must not drift: a channel type or monitor
 * type added to the API and missing here would never be offered, silently.
 */
/** The dashboard's lists, read from its source (an ES module of the browser bundle). */
const WEB_TYPES = readFileSync(
  join(__dirname, '..', '..', '..', 'apps', 'web', 'src', 'types.ts'),
  'utf8',
);
function webList(name: string): string[] {
  const found = new RegExp(`export const ${name}\\b[^=]*=\\s*\\[([^\\]]*)\\]`).exec(WEB_TYPES);
  assert.ok(found, `apps/web/src/types.ts exports ${name}`);
  return [...found[1]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
}

describe("the dashboard's choice lists", () => {
  const web = {
    MONITOR_TYPES: webList('MONITOR_TYPES'),
    HTTP_METHODS: webList('HTTP_METHODS'),
    DNS_RECORD_TYPES: webList('DNS_RECORD_TYPES'),
    ASSERTION_OPERATORS: webList('ASSERTION_OPERATORS'),
    CHANNEL_TYPES: webList('CHANNEL_TYPES'),
    TEAM_ROLES: webList('TEAM_ROLES'),
  };
  const pairs: [string, readonly string[], readonly string[]][] = [
    ['monitor types', web.MONITOR_TYPES, MONITOR_TYPES],
    ['HTTP methods', web.HTTP_METHODS, HTTP_METHODS],
    ['DNS record types', web.DNS_RECORD_TYPES, DNS_RECORD_TYPES],
    ['assertion operators', web.ASSERTION_OPERATORS, ASSERTION_OPERATORS],
    ['channel types', web.CHANNEL_TYPES, CHANNEL_TYPE_NAMES],
    ['team roles', web.TEAM_ROLES, TEAM_ROLES],
  ];
  for (const [name, dashboard, api] of pairs) {
    it(`should offer exactly the API's ${name}`, () => {
      assert.deepEqual([...dashboard].sort(), [...api].sort());
    });
  }

  it('should ask for the sparklines in questions the API takes (at most its ids)', () => {
    const found = /export const MAX_RESPONSE_TIME_IDS = (\d+);/.exec(WEB_TYPES);
    assert.ok(found, 'apps/web/src/types.ts exports MAX_RESPONSE_TIME_IDS');
    assert.equal(Number(found[1]), MAX_RESPONSE_TIME_IDS);
  });
});
