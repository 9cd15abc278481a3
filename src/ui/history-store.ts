// Keeps what the user made across reloads: the form draft in localStorage, results in IndexedDB.
import type { GalleryEntry } from './gallery';
import type { RequestDraft } from './request-form';
import { HISTORY_LIMIT } from './history-list';

const DRAFT_KEY = 'sdxl-web:draft';
const DB_NAME = 'sdxl-web';
const STORE = 'history';
const MAX_ENTRIES = HISTORY_LIMIT;

export function loadDraft(): RequestDraft | undefined {
  try {
    const raw = localStorage.getItem(DRAFT_KEY);
    return raw ? (JSON.parse(raw) as RequestDraft) : undefined;
  } catch {
    return undefined;
  }
}

export function saveDraft(draft: RequestDraft): void {
  try {
    // Images are not kept in the draft: they can be large and are re-picked easily.
    const { init_image: _i, mask_image: _m, ...rest } = draft;
    localStorage.setItem(DRAFT_KEY, JSON.stringify(rest));
  } catch {
    // Storage full or disabled: the draft simply is not kept.
  }
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'createdAt' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export async function loadHistory(): Promise<GalleryEntry[]> {
  try {
    const db = await openDb();
    return await new Promise((resolve, reject) => {
      const req = db.transaction(STORE).objectStore(STORE).getAll();
      req.onsuccess = () => resolve((req.result as GalleryEntry[]).sort((a, b) => b.createdAt - a.createdAt));
      req.onerror = () => reject(req.error);
    });
  } catch {
    return [];
  }
}

export async function saveHistoryEntry(entry: GalleryEntry): Promise<void> {
  const db = await openDb();
  const store = db.transaction(STORE, 'readwrite').objectStore(STORE);
  store.put(entry);
  const keys = await new Promise<IDBValidKey[]>((resolve) => {
    const req = store.getAllKeys();
    req.onsuccess = () => resolve(req.result);
  });
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) store.delete(key);
}
