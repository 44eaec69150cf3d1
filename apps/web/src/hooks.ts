import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from './api';

/** How often lists and the monitor page ask again, while the tab is visible. */
export const POLL_MS = 5000;

export interface Polled<T> {
  data: T | undefined;
  error: string | null;
  reload: () => void;
}

/**
 * Loads `fetcher` now and every `intervalMs` while the page is visible, keeping the last answer
 * on screen while the next one loads (no flicker); `deps` start it over.
 */
export function usePolling<T>(
  fetcher: () => Promise<T>,
  deps: readonly unknown[],
  intervalMs: number | null = POLL_MS,
): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const fetchRef = useRef(fetcher);
  fetchRef.current = fetcher;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const value = await fetchRef.current();
        if (stopped) return;
        setData(value);
        setError(null);
      } catch (err) {
        if (!stopped) setError(messageOf(err));
      }
      if (!stopped && intervalMs !== null) timer = setTimeout(run, intervalMs);
    };
    const onVisible = () => {
      if (document.visibilityState !== 'visible' || stopped) return;
      clearTimeout(timer);
      void run();
    };
    void run();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [...deps, tick, intervalMs]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
}

export function messageOf(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = err.errors.map((e) => `${e.field} ${e.message}`).join('; ');
    return fields ? `${err.message} ${fields}` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export interface CursorPager {
  cursor: string | undefined;
  /** Back to the first page (after a filter changes). */
  reset: () => void;
  newer: (() => void) | null;
  older: (next: string | null | undefined) => (() => void) | null;
}

/** Paging through a keyset list: the cursors of the pages before this one, to go back. */
export function useCursorPager(): CursorPager {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: cursors[cursors.length - 1],
    reset: () => setCursors([undefined]),
    newer: cursors.length > 1 ? () => setCursors((c) => c.slice(0, -1)) : null,
    older: (next) => (next ? () => setCursors((c) => [...c, next]) : null),
  };
}

/**
 * Deletes what the user confirms (DELETE `path`), then reloads the list it came from; a refusal
 * is kept in `error` for the page to show.
 */
export function useRemoval(reload: () => void) {
  const [error, setError] = useState<string | null>(null);
  const remove = async (question: string, path: string) => {
    if (!confirm(question)) return;
    try {
      await api.delete(path);
      setError(null);
      reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return { error, remove };
}

/**
 * A form sent to the API: `submit(send)` handles the event and keeps the API's refusal, field by
 * field in `errors` (shown at each field) and as one message in `error`.
 */
export function useSubmission() {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent, send: () => Promise<void>) => {
    e.preventDefault();
    setErrors({});
    setError(null);
    try {
      await send();
    } catch (err) {
      if (err instanceof ApiError && err.errors.length) setErrors(err.fieldErrors);
      setError(messageOf(err));
    }
  };
  return { errors, error, submit };
}
