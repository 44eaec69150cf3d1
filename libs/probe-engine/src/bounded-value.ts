/** The longest text an assertion's `expected` or `actual` carries; results are stored per check. */
export const MAX_ASSERTION_VALUE_CHARS = 512;

/**
 * A value as an assertion may carry it: short strings and scalars as they are; a longer string,
 * or an object or array whose JSON is longer, becomes its first 512 characters of text. A JSON
 * path can point at most of a 1 MB body, which must not ride on every stored result.
 */
export function boundedValue(value: unknown): unknown {
  if (typeof value === 'string') return cut(value);
  if (typeof value !== 'object' || value === null) return value;
  const text = JSON.stringify(value);
  return text.length > MAX_ASSERTION_VALUE_CHARS ? cut(text) : value;
}

function cut(text: string): string {
  return text.length > MAX_ASSERTION_VALUE_CHARS
    ? `${text.slice(0, MAX_ASSERTION_VALUE_CHARS - 3)}...`
    : text;
}
