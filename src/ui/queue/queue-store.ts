// Keeps the generation queue across reloads: the waiting requests (pictures included) in their own IndexedDB
// database, read back through a zod schema and bounded, so a damaged or foreign record cannot break the page.
import { z } from 'zod';
import type { QueueJob } from './generation-queue';

const DB_NAME = 'sdxl-web-queue';
const STORE = 'queue';
/** More waiting requests than anyone queues by hand; a longer stored list is cut, not refused. */
export const MAX_KEPT_JOBS = 100;

const storedJob = z.object({
  id: z.string().max(100),
  request: z.record(z.string(), z.unknown()),
  maskBlur: z.number().finite().optional(),
  state: z.enum(['queued', 'running']),
});

/** Stored jobs that pass the schema, in order, at most MAX_KEPT_JOBS; anything else is left out. */
export function parseStoredQueue(value: unknown): QueueJob[] {
  if (!Array.isArray(value)) return [];
  const jobs: QueueJob[] = [];
  for (const item of value.slice(0, MAX_KEPT_JOBS)) {
    const r = storedJob.safeParse(item);
    if (r.success) jobs.push(r.data as QueueJob);
  }
  return jobs;
}

let db: Promise<IDBDatabase> | undefined;
function open(): Promise<IDBDatabase> {
  db ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  db.catch(() => (db = undefined));
  return db;
}

export async function loadQueue(): Promise<QueueJob[]> {
  try {
    const store = (await open()).transaction(STORE).objectStore(STORE);
    const value = await new Promise<unknown>((resolve, reject) => {
      const req = store.get('jobs');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return parseStoredQueue(value);
  } catch {
    return [];
  }
}

let writes: Promise<unknown> = Promise.resolve();
/** Writes the queue (in order: the last state wins); false when the browser refused it. */
export function saveQueue(jobs: readonly QueueJob[]): Promise<boolean> {
  const write = writes.then(async () => {
    const tx = (await open()).transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(jobs.slice(0, MAX_KEPT_JOBS), 'jobs');
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    return true;
  }).catch(() => false);
  writes = write;
  return write;
}
