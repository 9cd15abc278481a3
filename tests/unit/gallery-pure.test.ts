// The gallery's DOM-free parts: the virtual window (what a scroll position puts in the DOM), search, and the .zip export
// (unzipped again with fflate: every image byte for byte, and requests.json describing each).
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { GalleryEntry } from '../../src/ui/gallery';
import { filterEntries, queryTerms } from '../../src/ui/gallery/search';
import { columnsFor, virtualWindow } from '../../src/ui/gallery/virtual-window';
import { thumbSize } from '../../src/ui/gallery/thumbnails';
import { imageFileName, zipResults } from '../../src/ui/gallery/zip-export';

describe('virtual window', () => {
  it('fits as many columns as cells of the minimum width allow, and at least one', () => {
    expect(columnsFor(800, 150, 10)).toBe(5); // 5×150 + 4×10 = 790 ≤ 800; 6 would need 950
    expect(columnsFor(790, 150, 10)).toBe(5);
    expect(columnsFor(789, 150, 10)).toBe(4);
    expect(columnsFor(50, 150, 10)).toBe(1);
  });

  it('renders only the visible rows plus the overscan, for 1,000 items', () => {
    // 4 columns of (430 − 30) / 4 = 100 px cells, rows of 110 px; 1,000 items = 250 rows.
    const g = { count: 1000, width: 430, minCell: 100, gap: 10 };
    const top = virtualWindow(g, 0, 500, 2);
    expect(top.columns).toBe(4);
    expect(top.rowHeight).toBe(110);
    expect(top.totalHeight).toBe(250 * 110 - 10);
    expect([top.start, top.end, top.offsetTop]).toEqual([0, 4 * 7, 0]); // rows 0..4 visible (ceil(500/110) = 5) + 2
    const mid = virtualWindow(g, 110 * 100 + 55, 500, 2);
    // first visible row 100, last partly visible row 105 (ceil(11555/110) = 106): rows 98..107 rendered.
    expect([mid.start, mid.end, mid.offsetTop]).toEqual([98 * 4, 108 * 4, 98 * 110]);
    expect(mid.end - mid.start).toBeLessThanOrEqual(40);
    const bottom = virtualWindow(g, 1e9, 500, 2);
    expect(bottom.end).toBe(1000);
    expect(bottom.start).toBeLessThanOrEqual(1000);
  });

  it('handles an empty grid, a negative scroll and a last row that is not full', () => {
    expect(virtualWindow({ count: 0, width: 400, minCell: 100, gap: 0 }, 0, 300)).toMatchObject({ start: 0, end: 0, totalHeight: 0 });
    const w = virtualWindow({ count: 10, width: 400, minCell: 100, gap: 0 }, -50, 1000, 0);
    expect([w.start, w.end, w.offsetTop, w.totalHeight]).toEqual([0, 10, 0, 300]);
  });
});

describe('search', () => {
  const entries = [
    { prompt: 'A red car at night', favourite: false },
    { prompt: 'a lighthouse on a cliff, red sky', favourite: true },
    { prompt: 'Portrait of a cat', favourite: true },
  ];
  it('matches every word, in any case and order', () => {
    expect(filterEntries(entries, { query: 'RED', favouritesOnly: false }).map((e) => e.prompt)).toEqual([entries[0]!.prompt, entries[1]!.prompt]);
    expect(filterEntries(entries, { query: 'sky red', favouritesOnly: false })).toEqual([entries[1]]);
    expect(filterEntries(entries, { query: 'red dog', favouritesOnly: false })).toEqual([]);
  });
  it('groups a quoted phrase, and filters favourites', () => {
    expect(queryTerms(' "Red car"  night ')).toEqual(['red car', 'night']);
    expect(filterEntries(entries, { query: '"car at"', favouritesOnly: false })).toEqual([entries[0]]);
    expect(filterEntries(entries, { query: '', favouritesOnly: true })).toEqual([entries[1], entries[2]]);
    expect(filterEntries(entries, { query: 'red', favouritesOnly: true })).toEqual([entries[1]]);
  });
});

describe('thumbnails', () => {
  it('scales the longest side to 256 and never enlarges', () => {
    expect(thumbSize(1024, 1024)).toEqual([256, 256]);
    expect(thumbSize(1344, 768)).toEqual([256, 146]);
    expect(thumbSize(64, 96)).toEqual([64, 96]);
  });
});

describe('zip export', () => {
  const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  const entry = (t: number, seeds: number[], encoding?: 'jpeg'): GalleryEntry => ({
    createdAt: t,
    modelId: 'tiny',
    request: { prompt: `prompt ${t}`, seed: seeds[0], ...(encoding ? { image_encoding: encoding } : {}) },
    response: { images: seeds.map((s) => ({ image_b64: b64(bytes(1000 + s, s)), seed: s, width: 64, height: 64, finish_reason: 'SUCCESS' })), latency_ms: 12, prediction_time_ms: 10 },
  } as unknown as GalleryEntry);

  it('holds every image byte for byte and requests.json describing each result', async () => {
    const entries = [entry(1_700_000_000_000, [5, 6]), entry(1_700_000_001_000, [7], 'jpeg'), entry(1_700_000_002_000, [8])];
    const zip = await zipResults(entries);
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    const images = Object.keys(files).filter((n) => n !== 'requests.json');
    expect(images).toHaveLength(4);
    expect(images).toContain('sdxl-1700000001000-1-seed7.jpg');
    for (const e of entries) e.response.images.forEach((img, i) => {
      expect(Buffer.from(files[imageFileName(e, i)]!).toString('base64')).toBe(img.image_b64);
    });
    const json = JSON.parse(strFromU8(files['requests.json']!)) as { request: { prompt: string }; model: string; images: { file: string; seed: number }[] }[];
    expect(json.map((r) => r.request.prompt)).toEqual(entries.map((e) => e.request.prompt));
    expect(json[0]!.images).toEqual([{ file: 'sdxl-1700000000000-1-seed5.png', seed: 5, width: 64, height: 64 }, { file: 'sdxl-1700000000000-2-seed6.png', seed: 6, width: 64, height: 64 }]);
    expect(json[1]!.model).toBe('tiny');
  });
});
