// The gallery's record of one stored result: thumbnails, prompt, seeds, model and timings — small, listed without images.
import type { GalleryEntry } from '../gallery';
import { makeThumbnail } from './thumbnails';

/** The IndexedDB store of summaries (keyed like the results store, by createdAt). */
export const GALLERY_STORE = 'gallery';

export interface GallerySummary {
  createdAt: number;
  prompt: string;
  modelId?: string;
  seeds: number[];
  width: number;
  height: number;
  /** One per image; undefined where the browser could not make it (the cell shows the seed instead). */
  thumbs: (Blob | undefined)[];
  latencyMs: number;
  predictionMs: number;
  favourite: boolean;
}

/** One cell of the grid: an image of a stored result. */
export interface GalleryItem {
  summary: GallerySummary;
  index: number;
}

export const itemKey = (item: GalleryItem): string => `${item.summary.createdAt}:${item.index}`;

/** Every image of the summaries, in their order (a batch of four is four cells). */
export function itemsOf(summaries: readonly GallerySummary[]): GalleryItem[] {
  return summaries.flatMap((summary) => summary.seeds.map((_, index) => ({ summary, index })));
}

/** The summary of a result, its thumbnails made now (one that fails is left out rather than failing the save). */
export async function summarise(entry: GalleryEntry, favourite = false): Promise<GallerySummary> {
  const images = entry.response.images;
  const thumbs = await Promise.all(images.map((img) => makeThumbnail(img.image_b64).catch(() => undefined)));
  return {
    createdAt: entry.createdAt,
    prompt: typeof entry.request.prompt === 'string' ? entry.request.prompt : '',
    ...(entry.modelId !== undefined ? { modelId: entry.modelId } : {}),
    seeds: images.map((i) => i.seed),
    width: images[0]?.width ?? 0,
    height: images[0]?.height ?? 0,
    thumbs,
    latencyMs: entry.response.latency_ms,
    predictionMs: entry.response.prediction_time_ms,
    favourite,
  };
}
