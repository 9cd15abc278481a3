// Stored models are shared by every tab of the app: one download, verify or delete of a model at a time across tabs
// (Web Locks, keyed by the model's folder in the store), and a note to every other tab when a model is deleted
// (BroadcastChannel 'sdxl-models'), so a tab still holding it says so instead of failing later in some odd way.

export interface StoreCoordination {
  /** Runs `work` holding the model's lock; a tab (or a call) with the same key waits its turn. */
  exclusive<T>(key: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Tells every listener, in this context and in other tabs, that the model stored under `key` is gone. */
  deleted(key: string): void;
  onDeleted(listener: (key: string) => void): () => void;
}

export const MODELS_CHANNEL = 'sdxl-models';
const LOCK_PREFIX = 'sdxl-web:model:';

interface LockManagerLike {
  request<T>(name: string, options: { signal?: AbortSignal }, work: () => Promise<T>): Promise<T>;
}
interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
}

/** What crosses the channel; anything else that arrives on it is ignored. */
interface DeletedNote { type: 'deleted'; key: string }
const isDeletedNote = (d: unknown): d is DeletedNote =>
  typeof d === 'object' && d !== null && (d as DeletedNote).type === 'deleted' && typeof (d as DeletedNote).key === 'string' && (d as DeletedNote).key.length <= 1000;

/** Coordination over the given lock manager and channel; without them, within this context only. */
export function storeCoordination(locks?: LockManagerLike, channel?: ChannelLike): StoreCoordination {
  const listeners = new Set<(key: string) => void>();
  const tell = (key: string) => {
    for (const l of listeners) l(key);
  };
  channel?.addEventListener('message', (e) => {
    if (isDeletedNote(e.data)) tell(e.data.key);
  });
  // Without Web Locks: calls with the same key take turns in this context.
  const queues = new Map<string, Promise<unknown>>();
  const local = <T>(key: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    const start = () => {
      signal?.throwIfAborted();
      return work();
    };
    const next = (queues.get(key) ?? Promise.resolve()).then(start, start);
    const settled = next.catch(() => undefined);
    queues.set(key, settled);
    void settled.then(() => queues.get(key) === settled && queues.delete(key));
    return next;
  };
  return {
    exclusive: (key, work, signal) => (locks ? locks.request(LOCK_PREFIX + key, signal ? { signal } : {}, work) : local(key, work, signal)),
    deleted(key) {
      tell(key);
      channel?.postMessage({ type: 'deleted', key } satisfies DeletedNote);
    },
    onDeleted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

let shared: StoreCoordination | undefined;
/** This context's coordination: Web Locks and one BroadcastChannel where the browser has them (one per context, so a
 * note this context posts reaches the other tabs and is told to this context's listeners exactly once). */
export function defaultStoreCoordination(): StoreCoordination {
  const g = globalThis as { navigator?: { locks?: LockManagerLike }; BroadcastChannel?: new (name: string) => ChannelLike & { unref?(): void } };
  if (shared) return shared;
  const channel = g.BroadcastChannel ? new g.BroadcastChannel(MODELS_CHANNEL) : undefined;
  channel?.unref?.(); // Node: the channel must not keep a test run alive
  shared = storeCoordination(g.navigator?.locks, channel);
  return shared;
}
