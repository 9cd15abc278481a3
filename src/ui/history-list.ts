// The page's list of results, newest first, held to what the history store keeps (the newest HISTORY_LIMIT).
import type { GalleryEntry } from './gallery';

/** Results kept across reloads in IndexedDB, and shown in the gallery: the newest this many. */
export const HISTORY_LIMIT = 50;

/** A new result in front; the oldest beyond the limit go, as they go from the store. */
export function addResult(history: readonly GalleryEntry[], entry: GalleryEntry): GalleryEntry[] {
  return [entry, ...history].slice(0, HISTORY_LIMIT);
}

/** Results made before the stored ones finished loading stay in front; the list keeps the limit. */
export function withStored(history: readonly GalleryEntry[], stored: readonly GalleryEntry[]): GalleryEntry[] {
  return [...history, ...stored].slice(0, HISTORY_LIMIT);
}
