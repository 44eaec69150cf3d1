import { type FieldError, fieldPath } from './problem';

/** Deeper than any request the API defines; far shallower than what exhausts a parser or a database. */
export const MAX_JSON_DEPTH = 32;

/** NUL, which PostgreSQL cannot store in text, and UTF-16 halves without their other half. */
// eslint-disable-next-line no-control-regex -- NUL is what the database refuses
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

interface Visit {
  value: unknown;
  path: (string | number)[];
  depth: number;
}

/**
 * What no request field may be, whatever its schema: nested deeper than MAX_JSON_DEPTH, or text
 * (a value or a key) that the database refuses. Checked before the schema, so the client hears
 * which field it is instead of a 503 from the store.
 */
export function jsonShapeErrors(value: unknown, prefix: (string | number)[] = []): FieldError[] {
  const errors: FieldError[] = [];
  const pending: Visit[] = [{ value, path: prefix, depth: 0 }];
  while (pending.length && errors.length < 20) {
    const { value: v, path, depth } = pending.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) errors.push(unstorable(path));
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      errors.push({
        field: fieldPath(path) || '(body)',
        message: `is nested deeper than ${MAX_JSON_DEPTH} levels`,
      });
      continue;
    }
    for (const [key, item] of Object.entries(v)) {
      const at = [...path, Array.isArray(v) ? Number(key) : key];
      if (UNSTORABLE.test(key)) errors.push(unstorable(at));
      pending.push({ value: item, path: at, depth: depth + 1 });
    }
  }
  return errors;
}

function unstorable(path: (string | number)[]): FieldError {
  return {
    field: fieldPath(path) || '(body)',
    message: 'must not contain NUL or unpaired surrogate characters',
  };
}
