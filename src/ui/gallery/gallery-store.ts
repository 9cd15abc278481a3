// The gallery's reads and writes in IndexedDB: list summaries (making any missing ones), favourite, delete, clear.
import type { GalleryEntry } from '../gallery';
import { committed, openDb, request, STORE } from '../history-store';
import { GALLERY_STORE, summarise, type GallerySummary } from './gallery-summary';

/** Every stored result's summary, newest first. Results stored before summaries existed get theirs now, once. */
export async function listSummaries(): Promise<GallerySummary[]> {
  const db = await openDb();
  const tx = db.transaction([STORE, GALLERY_STORE]);
  const [summaries, keys] = await Promise.all([
    request<GallerySummary[]>(tx.objectStore(GALLERY_STORE).getAll()),
    request<number[]>(tx.objectStore(STORE).getAllKeys()),
  ]);
  const have = new Set(summaries.map((s) => s.createdAt));
  for (const key of keys.filter((k) => !have.has(k))) {
    const entry = await request<GalleryEntry | undefined>(db.transaction(STORE).objectStore(STORE).get(key));
    if (!entry) continue;
    const summary = await summarise(entry);
    const write = db.transaction(GALLERY_STORE, 'readwrite');
    write.objectStore(GALLERY_STORE).put(summary);
    await committed(write).catch(() => undefined); // listed all the same; made again next time
    summaries.push(summary);
  }
  // A summary whose result is gone (deleted elsewhere) is not listed.
  const stored = new Set(keys);
  return summaries.filter((s) => stored.has(s.createdAt)).sort((a, b) => b.createdAt - a.createdAt);
}

/** Marks or unmarks a result as a favourite. */
export async function setFavourite(createdAt: number, favourite: boolean): Promise<void> {
  const db = await openDb();
  const tx = db.transaction(GALLERY_STORE, 'readwrite');
  const store = tx.objectStore(GALLERY_STORE);
  const summary = await request<GallerySummary | undefined>(store.get(createdAt));
  if (summary) store.put({ ...summary, favourite });
  await committed(tx);
}

/** Deletes results (and their summaries) for good; resolves once committed. */
export async function deleteEntries(keys: readonly number[]): Promise<void> {
  const db = await openDb();
  const tx = db.transaction([STORE, GALLERY_STORE], 'readwrite');
  for (const key of keys) {
    tx.objectStore(STORE).delete(key);
    tx.objectStore(GALLERY_STORE).delete(key);
  }
  await committed(tx);
}

/** Deletes every stored result. */
export async function clearHistory(): Promise<void> {
  const db = await openDb();
  const tx = db.transaction([STORE, GALLERY_STORE], 'readwrite');
  tx.objectStore(STORE).clear();
  tx.objectStore(GALLERY_STORE).clear();
  await committed(tx);
}
