// The page's result list stays within what the history store keeps: a long session does not grow it (or the page's
// heap) without end, and it shows exactly the entries the store holds.
import { describe, expect, it } from 'vitest';
import type { GalleryEntry } from '../../src/ui/gallery';
import { addResult, HISTORY_LIMIT, withStored } from '../../src/ui/history-list';

const entry = (n: number): GalleryEntry => ({ createdAt: n, request: { prompt: `p${n}` }, response: { images: [], latency_ms: 1, prediction_time_ms: 1 } } as unknown as GalleryEntry);

describe('history list', () => {
  it('keeps the newest 50 of 200 results, newest first', () => {
    let list: GalleryEntry[] = [];
    for (let n = 1; n <= 200; n++) list = addResult(list, entry(n));
    expect(HISTORY_LIMIT).toBe(50);
    expect(list.map((e) => e.createdAt)).toEqual(Array.from({ length: 50 }, (_, k) => 200 - k));
  });

  it('puts results made during start-up before the stored ones, within the limit', () => {
    const made = [entry(101), entry(100)];
    const stored = Array.from({ length: 50 }, (_, k) => entry(99 - k));
    expect(withStored(made, stored).map((e) => e.createdAt)).toEqual(Array.from({ length: 50 }, (_, k) => 101 - k));
  });
});
