// The page's recent result cards, newest first: the newest RECENT_CARDS results in full (every stored result is in the
// history gallery below them, listed from thumbnails; nothing is evicted from the store without the user asking).
import type { GalleryEntry } from './gallery';

/** Results shown as full cards above the gallery (and held in full in the page's memory). */
export const RECENT_CARDS = 12;

/** A new result in front; the oldest beyond the limit leave the cards (they stay in the gallery). */
export function addResult(history: readonly GalleryEntry[], entry: GalleryEntry): GalleryEntry[] {
  return [entry, ...history].slice(0, RECENT_CARDS);
}

/** Results made before the stored ones finished loading stay in front; the list keeps the limit. */
export function withStored(history: readonly GalleryEntry[], stored: readonly GalleryEntry[]): GalleryEntry[] {
  return [...history, ...stored.filter((s) => !history.some((h) => h.createdAt === s.createdAt))].slice(0, RECENT_CARDS);
}
