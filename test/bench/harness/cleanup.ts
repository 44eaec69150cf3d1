/**
 * What a bench run started and has not stopped yet (servers, app processes, databases, folders).
 * Each resource registers its stop when it starts and stops through the returned handle, so a
 * scenario that fails half-way, or a run ended with Ctrl-C, still removes everything: `main`
 * stops what is left after every scenario and on SIGINT/SIGTERM. A resource is stopped once:
 * whoever asks second (the scenario's own `finally` while the signal's clean-up runs) waits for
 * that same stop.
 */
interface Entry {
  name: string;
  stop: () => Promise<unknown>;
  stopping?: Promise<void>;
}

const open = new Map<number, Entry>();
let next = 0;
let everything: Promise<void> | undefined;

/** A registered resource: `stop` stops it (once) and unregisters it; `release` only unregisters. */
export interface Started {
  stop(): Promise<void>;
  release(): void;
}

/** Registers `stop` under `name`, to run at the latest when the run cleans up. */
export function started(name: string, stop: () => Promise<unknown>): Started {
  const id = next++;
  const entry: Entry = { name, stop };
  open.set(id, entry);
  return {
    stop: () => stopEntry(id, entry),
    release: () => void open.delete(id),
  };
}

function stopEntry(id: number, entry: Entry): Promise<void> {
  entry.stopping ??= entry
    .stop()
    .then(() => undefined)
    .finally(() => open.delete(id));
  return entry.stopping;
}

/**
 * Stops everything still registered, newest first (apps before the NATS they use); a second
 * call while one runs waits for the same clean-up.
 */
export function stopEverything(log: (line: string) => void = () => undefined): Promise<void> {
  everything ??= (async () => {
    while (open.size > 0) {
      for (const [id, entry] of [...open].reverse()) {
        if (!entry.stopping) log(`stopping ${entry.name}, left running`);
        await stopEntry(id, entry).catch((err: unknown) =>
          log(`stopping ${entry.name} failed: ${String(err)}`),
        );
      }
    }
  })().finally(() => (everything = undefined));
  return everything;
}
