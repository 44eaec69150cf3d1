interface Entry {
  dueAt: number;
  key: string;
  generation: number;
}

/**
 * A binary min-heap of due times. Rescheduling or removing a key bumps its generation; stale
 * heap entries are skipped when they surface, so every operation stays O(log n).
 */
export class DueQueue {
  private readonly heap: Entry[] = [];
  private readonly generations = new Map<string, number>();

  get size(): number {
    return this.generations.size;
  }

  set(key: string, dueAt: number): void {
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    this.push({ dueAt, key, generation });
  }

  delete(key: string): void {
    this.generations.delete(key);
  }

  /** The earliest live due time, or undefined when empty. */
  peek(): number | undefined {
    this.dropStale();
    return this.heap[0]?.dueAt;
  }

  /** Removes and returns every key due at or before `now`, with its due time. */
  popDue(now: number): { key: string; dueAt: number }[] {
    const due: { key: string; dueAt: number }[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.dueAt > now) return due;
      this.pop();
      this.generations.delete(top.key);
      due.push({ key: top.key, dueAt: top.dueAt });
    }
  }

  private dropStale(): void {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (this.generations.get(top.key) === top.generation) return;
      this.pop();
    }
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.dueAt <= entry.dueAt) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.dueAt < heap[left]!.dueAt ? right : left;
      if (heap[child]!.dueAt >= last.dueAt) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
