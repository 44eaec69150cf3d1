import type { ProbeSpec } from '@uptime/contracts';

export type JsonPathAssertion = ProbeSpec['assertions'][number];

/** An object key or an array index. */
export type PathSegment = string | number;

/** What a path points at; `found: false` when any step of it is missing. */
export type PathValue = { found: true; value: unknown } | { found: false };

/** `.name`, `[0]`, `['any key']` or `["any key"]`, matched where the previous one ended. */
const SEGMENT = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;

/**
 * Parses the small JSON-path subset monitors use: `$` followed by names, indexes and quoted
 * keys. Filters and wildcards are not supported; null means the path is outside the subset.
 */
export function parseJsonPath(path: string): PathSegment[] | null {
  if (!path.startsWith('$')) return null;
  const segments: PathSegment[] = [];
  SEGMENT.lastIndex = 1;
  while (SEGMENT.lastIndex < path.length) {
    const match = SEGMENT.exec(path);
    if (!match) return null;
    const [, name, index, single, double] = match;
    segments.push(index !== undefined ? Number(index) : (name ?? single ?? double)!);
  }
  return segments;
}

/** Follows the path through a parsed JSON document; only own keys count, never the prototype's. */
export function readJsonPath(document: unknown, segments: readonly PathSegment[]): PathValue {
  let current = document;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false };
      current = current[segment];
    } else {
      if (!isJsonObject(current) || !Object.hasOwn(current, segment)) return { found: false };
      current = current[segment];
    }
  }
  return { found: true, value: current };
}

/**
 * Checks one assertion against a parsed body; null when it holds, else a sentence naming the
 * path, operator, expected and actual values. A missing value fails every operator except
 * `notExists`: a rule about a value the API stopped sending should not pass silently.
 */
export function assertionFailure(document: unknown, assertion: JsonPathAssertion): string | null {
  const { path, operator, value: expected } = assertion;
  const verdict = judgeJsonPath(document, assertion);
  if (verdict === null) return `${path} is not a supported JSON path`;
  if (verdict.passed) return null;
  const wanted = expected === undefined ? '' : ` ${show(expected)}`;
  const got = verdict.actual.found ? show(verdict.actual.value) : 'missing';
  return `${path} ${operator}${wanted} failed: actual ${got}`;
}

/** What the path points at and whether the operator holds; null for a path outside the subset. */
export function judgeJsonPath(
  document: unknown,
  assertion: JsonPathAssertion,
): { actual: PathValue; passed: boolean } | null {
  const segments = parseJsonPath(assertion.path);
  if (!segments) return null;
  const actual = readJsonPath(document, segments);
  return { actual, passed: operatorHolds(assertion.operator, actual, assertion.value) };
}

function operatorHolds(
  operator: JsonPathAssertion['operator'],
  actual: PathValue,
  expected: JsonPathAssertion['value'],
): boolean {
  if (operator === 'notExists') return !actual.found;
  if (!actual.found) return false;
  const value = actual.value;
  switch (operator) {
    case 'exists':
      return true;
    // Expected values are JSON scalars, so strict equality is JSON equality: 1 is not "1".
    case 'equals':
      return value === expected;
    case 'notEquals':
      return value !== expected;
    case 'contains':
      if (typeof value === 'string')
        return typeof expected === 'string' && value.includes(expected);
      return Array.isArray(value) && value.some((item) => item === expected);
    case 'lessThan':
      return typeof value === 'number' && typeof expected === 'number' && value < expected;
    case 'greaterThan':
      return typeof value === 'number' && typeof expected === 'number' && value > expected;
  }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON text of a value, cut short so a large object cannot flood a check's message. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
