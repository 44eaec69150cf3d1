/**
 * The payloads of a message that may carry several: an array (a batch), or one payload (a
 * publisher older than batches, or one that sends a single record). Not yet validated: anything
 * that is not an array is one payload, malformed or not.
 */
export function payloadsOf(message: unknown): unknown[] {
  return Array.isArray(message) ? message : [message];
}

const utf8 = new TextDecoder();

/**
 * The payloads of one message, trusted as they are (no validation): for readers that only look.
 * Not JSON: none.
 */
export function decodeBatch<T extends object>(data: Uint8Array): T[] {
  try {
    return payloadsOf(JSON.parse(utf8.decode(data))).filter(
      (p): p is T => typeof p === 'object' && p !== null,
    );
  } catch {
    return [];
  }
}
