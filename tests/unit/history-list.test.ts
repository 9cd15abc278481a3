// The page's recent cards stay within their limit: a long session does not grow them (or the page's heap) without end;
// older results are in the gallery (listed from thumbnails), not dropped from the store.
import { describe, expect, it } from 'vitest';
import type { GalleryEntry } from '../../src/ui/gallery';
import { addResult, RECENT_CARDS, withStored } from '../../src/ui/history-list';

const entry = (n: number): GalleryEntry => ({ createdAt: n, request: { prompt: `p${n}` }, response: { images: [], latency_ms: 1, prediction_time_ms: 1 } } as unknown as GalleryEntry);

describe('recent result cards', () => {
  it('keeps the newest 12 of 200 results, newest first', () => {
    let list: GalleryEntry[] = [];
    for (let n = 1; n <= 200; n++) list = addResult(list, entry(n));
    expect(RECENT_CARDS).toBe(12);
    expect(list.map((e) => e.createdAt)).toEqual(Array.from({ length: 12 }, (_, k) => 200 - k));
  });

  it('puts results made during start-up before the stored ones, once each, within the limit', () => {
    const made = [entry(101), entry(100)];
    const stored = [entry(100), ...Array.from({ length: 20 }, (_, k) => entry(99 - k))];
    expect(withStored(made, stored).map((e) => e.createdAt)).toEqual(Array.from({ length: 12 }, (_, k) => 101 - k));
  });
});
