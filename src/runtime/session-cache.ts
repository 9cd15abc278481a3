// Sessions of one component, one per input shape, least recently used released first, never more than `capacity`.
import { shapeKey, type DimValues } from './session-shapes';

interface Entry<S> {
  key: string;
  session: Promise<S>;
  /** Calls running on it now: an evicted session is released when the last one ends. */
  users: number;
  evicted: boolean;
}

export interface SessionCacheEvent {
  kind: 'created' | 'released';
  key: string;
  /** For 'created': how long the session took to create. */
  ms?: number;
}

/** The key of the session made with every free dim left free: one session for calls of any shape. */
export const ANY_SHAPE_KEY = '*';

export class ShapeSessionCache<S extends { release(): Promise<void> }> {
  /** Map order is use order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry<S>>();

  constructor(
    /** Makes the session for these dims, or with its dims left free when undefined. */
    private readonly create: (dims: DimValues | undefined) => Promise<S>,
    readonly capacity: number,
    private readonly onEvent?: (e: SessionCacheEvent) => void,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`A session cache holds at least one session (capacity ${capacity}).`);
  }

  /** The shapes held now, least recently used first. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Runs `fn` on the session for this shape (for any shape when `dims` is undefined: one free-dims session, held like
   * the others), creating it (and releasing the least recently used one) if needed.
   */
  async use<T>(dims: DimValues | undefined, fn: (session: S) => Promise<T>): Promise<T> {
    const entry = await this.acquire(dims);
    try {
      return await fn(await entry.session);
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0) await this.dispose(entry);
    }
  }

  private async acquire(dims: DimValues | undefined): Promise<Entry<S>> {
    const key = dims ? shapeKey(dims) : ANY_SHAPE_KEY;
    const held = this.entries.get(key);
    if (held) {
      held.users++;
      this.entries.delete(key);
      this.entries.set(key, held);
      return held;
    }
    // The oldest goes first, so the weights are never held more than `capacity` times, even while the new one loads.
    const evictions: Promise<void>[] = [];
    while (this.entries.size >= this.capacity) {
      const [oldKey, old] = this.entries.entries().next().value as [string, Entry<S>];
      this.entries.delete(oldKey);
      old.evicted = true;
      if (old.users === 0) evictions.push(this.dispose(old));
    }
    const entry: Entry<S> = { key, session: Promise.resolve() as unknown as Promise<S>, users: 1, evicted: false };
    this.entries.set(key, entry);
    entry.session = Promise.all(evictions).then(async () => {
      const start = performance.now();
      const s = await this.create(dims);
      this.onEvent?.({ kind: 'created', key, ms: performance.now() - start });
      return s;
    });
    try {
      await entry.session;
    } catch (e) {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw e;
    }
    return entry;
  }

  private async dispose(entry: Entry<S>): Promise<void> {
    const s = await entry.session.catch(() => undefined);
    if (!s) return;
    await s.release();
    this.onEvent?.({ kind: 'released', key: entry.key });
  }

  /** Releases every session (those in use when their calls end). */
  async release(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      all.map((e) => {
        e.evicted = true;
        return e.users === 0 ? this.dispose(e) : Promise.resolve();
      }),
    );
  }
}
