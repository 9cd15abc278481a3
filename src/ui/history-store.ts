// Keeps what the user made across reloads: the form draft (its text in localStorage, its init and mask images in
// IndexedDB) and results in IndexedDB (with a thumbnail summary each, for the gallery). A write counts only once its
// transaction commits; a refusal says why. Nothing is evicted here unless the user asks.
import type { GalleryEntry } from './gallery';
import { GALLERY_STORE, summarise } from './gallery/gallery-summary';
import type { RequestDraft } from './request-form';

const DRAFT_KEY = 'sdxl-web:draft';
const DB_NAME = 'sdxl-web';
export const STORE = 'history';
const DRAFT_STORE = 'draft';
/** The draft keeps an init or mask image up to this size (base64 characters, about 15 MB of file). */
export const MAX_DRAFT_IMAGE_CHARS = 20_000_000;
const DRAFT_IMAGES = ['init_image', 'mask_image'] as const;
type DraftImages = Partial<Record<(typeof DRAFT_IMAGES)[number], string>>;

/** A write IndexedDB refused: `quota` when the browser's storage for this site is full. */
export class StoreWriteError extends Error {
  constructor(readonly quota: boolean, reason: string) {
    super(reason);
    this.name = 'StoreWriteError';
  }
}

function writeError(error: DOMException | Error | null | undefined): StoreWriteError {
  const quota = error?.name === 'QuotaExceededError';
  const reason = quota
    ? 'storage full: the browser refused to store more for this site (QuotaExceededError)'
    : `the browser refused to store it (${error ? `${error.name}: ${error.message}` : 'the write was aborted'})`;
  return new StoreWriteError(quota, reason);
}

export function loadDraft(): RequestDraft | undefined {
  try {
    const raw = localStorage.getItem(DRAFT_KEY);
    return raw ? (JSON.parse(raw) as RequestDraft) : undefined;
  } catch {
    return undefined;
  }
}

/** The images last handed to IndexedDB, so that typing in the form does not rewrite megabytes each time. */
let savedImages: DraftImages = {};
let imageWrites: Promise<unknown> = Promise.resolve();

export function saveDraft(draft: RequestDraft): void {
  const { init_image: init, mask_image: mask, ...rest } = draft;
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify(rest));
  } catch {
    // Storage full or disabled: the text of the draft is not kept this time; the page keeps it while it is open.
  }
  const images: DraftImages = {};
  if (typeof init === 'string' && init.length <= MAX_DRAFT_IMAGE_CHARS) images.init_image = init;
  if (typeof mask === 'string' && mask.length <= MAX_DRAFT_IMAGE_CHARS) images.mask_image = mask;
  if (images.init_image === savedImages.init_image && images.mask_image === savedImages.mask_image) return;
  savedImages = images;
  // In order, so the last picture chosen is the one kept.
  imageWrites = imageWrites.then(() => writeDraftImages(images)).catch(() => undefined);
}

/** The draft's images as last stored (a reload or a crash does not lose a picture or a painted mask). */
export async function loadDraftImages(): Promise<DraftImages> {
  try {
    const db = await openDb();
    const images = await request<DraftImages | undefined>(db.transaction(DRAFT_STORE).objectStore(DRAFT_STORE).get('images'));
    const out: DraftImages = {};
    for (const k of DRAFT_IMAGES) if (typeof images?.[k] === 'string' && images[k].length <= MAX_DRAFT_IMAGE_CHARS) out[k] = images[k];
    savedImages = out;
    return out;
  } catch {
    return {};
  }
}

async function writeDraftImages(images: DraftImages): Promise<void> {
  const db = await openDb();
  const tx = db.transaction(DRAFT_STORE, 'readwrite');
  tx.objectStore(DRAFT_STORE).put(images, 'images');
  await committed(tx);
}

let connection: Promise<IDBDatabase> | undefined;

/** The one connection of this page (opened on first use; reopened after the browser or another tab closes it). */
export function openDb(): Promise<IDBDatabase> {
  connection ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 3);
    req.onupgradeneeded = () => {
      const names = req.result.objectStoreNames;
      if (!names.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'createdAt' });
      if (!names.contains(DRAFT_STORE)) req.result.createObjectStore(DRAFT_STORE);
      // Version 3: one small record per result (thumbnails, prompt, seeds), so the gallery lists without full images.
      if (!names.contains(GALLERY_STORE)) req.result.createObjectStore(GALLERY_STORE, { keyPath: 'createdAt' });
    };
    req.onsuccess = () => {
      const db = req.result;
      // A newer version in another tab: step aside (the next call reopens); the browser closing it: reopen too.
      db.onversionchange = () => {
        db.close();
        connection = undefined;
      };
      db.onclose = () => void (connection = undefined);
      resolve(db);
    };
    req.onerror = () => {
      connection = undefined;
      reject(req.error);
    };
    req.onblocked = () => undefined; // waits for the older connection to close (it does on versionchange)
  });
  return connection;
}

export const request = <T>(req: IDBRequest): Promise<T> => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result as T);
  req.onerror = () => reject(req.error);
});

/** Resolves when the transaction commits; rejects with the reason when it fails or aborts (a full disk, a quota). */
export function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(writeError(tx.error));
    tx.onerror = () => undefined; // an abort follows, with the transaction's error
  });
}

/** The newest `limit` stored results, newest first (full images: the gallery lists summaries instead). */
export async function loadHistory(limit: number): Promise<GalleryEntry[]> {
  try {
    const db = await openDb();
    const out: GalleryEntry[] = [];
    await new Promise<void>((resolve, reject) => {
      const cursor = db.transaction(STORE).objectStore(STORE).openCursor(null, 'prev');
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c || out.length >= limit) return resolve();
        out.push(c.value as GalleryEntry);
        c.continue();
      };
      cursor.onerror = () => reject(cursor.error);
    });
    return out;
  } catch {
    return [];
  }
}

/** One stored result in full, or undefined when it is not stored. */
export async function loadEntry(createdAt: number): Promise<GalleryEntry | undefined> {
  const db = await openDb();
  return request<GalleryEntry | undefined>(db.transaction(STORE).objectStore(STORE).get(createdAt));
}

/** Stores a result and its gallery summary in one transaction; resolves only once committed, else a StoreWriteError. */
export async function saveHistoryEntry(entry: GalleryEntry): Promise<void> {
  const db = await openDb().catch((e: unknown) => {
    throw writeError(e instanceof Error ? e : null);
  });
  const { notSaved: _n, ...stored } = entry;
  // Thumbnails are made before the transaction opens (a transaction does not survive awaiting other work).
  const summary = await summarise(stored);
  let tx: IDBTransaction;
  try {
    tx = db.transaction([STORE, GALLERY_STORE], 'readwrite');
    tx.objectStore(STORE).put(stored);
    tx.objectStore(GALLERY_STORE).put(summary);
  } catch (e) {
    throw writeError(e instanceof Error ? e : null); // the store refused at once (closing, or a value it cannot clone)
  }
  await committed(tx);
}

/** Deletes the `count` oldest stored results to free space; resolves with their keys (createdAt) once committed. */
export async function deleteOldestEntries(count: number): Promise<number[]> {
  const db = await openDb();
  const tx = db.transaction([STORE, GALLERY_STORE], 'readwrite');
  const store = tx.objectStore(STORE);
  const keys = (await request<IDBValidKey[]>(store.getAllKeys())).slice(0, count) as number[];
  for (const key of keys) {
    store.delete(key);
    tx.objectStore(GALLERY_STORE).delete(key);
  }
  await committed(tx);
  return keys;
}

/** Stores a result; when the browser refuses, marks it `notSaved` with the reason instead of losing it silently. */
export async function storeResult(entry: GalleryEntry): Promise<boolean> {
  try {
    await saveHistoryEntry(entry);
    delete entry.notSaved;
    return true;
  } catch (e) {
    entry.notSaved = e instanceof StoreWriteError ? e.message : `the browser refused to store it (${e instanceof Error ? e.message : String(e)})`;
    return false;
  }
}
