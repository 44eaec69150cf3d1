import { type FieldError, fieldPath } from './problem';

/** Deeper than any request the API defines; far shallower than what exhausts a parser or a database. */
export const MAX_JSON_DEPTH = 32;

/** NUL, which PostgreSQL cannot store in text, and UTF-16 halves without their other half. */
// eslint-disable-next-line no-control-regex -- NUL is what the database refuses
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A value still to look at; its path is built only when it is reported. */
interface Visit {
  value: unknown;
  key?: string | number;
  parent?: Visit;
  depth: number;
}

/**
 * What no request field may be, whatever its schema: nested deeper than MAX_JSON_DEPTH, or text
 * (a value or a key) that the database refuses. Checked before the schema, so the client hears
 * which field it is instead of a 503 from the store.
 */
export function jsonShapeErrors(value: unknown, prefix: (string | number)[] = []): FieldError[] {
  const errors: FieldError[] = [];
  const pending: Visit[] = [{ value, depth: 0 }];
  const report = (at: Visit, message: string) =>
    errors.push({ field: printableField([...prefix, ...pathOf(at)]), message });
  while (pending.length && errors.length < 20) {
    const visit = pending.pop()!;
    const v = visit.value;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) report(visit, UNSTORABLE_MESSAGE);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (visit.depth >= MAX_JSON_DEPTH) {
      report(visit, `is nested deeper than ${MAX_JSON_DEPTH} levels`);
      continue;
    }
    const isArray = Array.isArray(v);
    for (const [key, item] of Object.entries(v)) {
      const child: Visit = {
        value: item,
        key: isArray ? Number(key) : key,
        parent: visit,
        depth: visit.depth + 1,
      };
      if (!isArray && UNSTORABLE.test(key)) report(child, UNSTORABLE_MESSAGE);
      pending.push(child);
    }
  }
  return errors;
}

const UNSTORABLE_MESSAGE = 'must not contain NUL or unpaired surrogate characters';

/** The field's name, with what made it unstorable shown as U+FFFD rather than echoed. */
function printableField(path: (string | number)[]): string {
  return (fieldPath(path) || '(body)').replace(new RegExp(UNSTORABLE.source, 'g'), '\ufffd');
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent)
    path.unshift(at.key);
  return path;
}

/**
 * At least as many bytes as `value` takes as UTF-8 JSON (`JSON.stringify`), without writing it:
 * a string's UTF-16 unit takes at most 6 (an escape such as `\u0001`; UTF-8 needs at most 3), a
 * number at most 24, `true`, `false` and `null` at most 5, plus quotes, brackets, colons and
 * commas. Infinity for anything else (a Date, a class instance, a bigint): measure that exactly.
 * Cheap enough to run on every monitor, where writing it cost about ten times as much.
 */
export function jsonBytesAtMost(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 6 * value.length + 2;
    case 'number':
      return 24;
    case 'boolean':
    case 'undefined':
      return 5;
    case 'object':
      break;
    default:
      return Infinity;
  }
  if (value === null) return 4;
  let bytes = 2;
  if (Array.isArray(value)) {
    for (const item of value) bytes += jsonBytesAtMost(item) + 1;
    return bytes;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return Infinity;
  for (const [key, item] of Object.entries(value))
    bytes += 6 * key.length + 4 + jsonBytesAtMost(item);
  return bytes;
}
