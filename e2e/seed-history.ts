// Writes results straight into the app's history store (IndexedDB 'sdxl-web'), as an earlier session left them:
// distinct 64×64 PNGs of different colours, one per entry. Used by the gallery spec and the gallery benchmark.
import type { Page } from '@playwright/test';

export interface SeedOptions {
  count: number;
  /** The prompt's first word ("seeded 3 red car"). */
  word: string;
  /** Entry i gets seed firstSeed + i. */
  firstSeed: number;
  modelId?: string;
}

export async function seedHistory(page: Page, options: SeedOptions): Promise<void> {
  await page.evaluate(async ({ count, word, firstSeed, modelId }) => {
    // (No helper functions in here: tsx, which runs the benchmark, would wrap them in its __name, which the page lacks.)
    const entries: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const canvas = new OffscreenCanvas(64, 64);
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = `hsl(${(i * 37) % 360} 70% 50%)`;
      ctx.fillRect(0, 0, 64, 64);
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
      let bin = '';
      for (const b of bytes) bin += String.fromCharCode(b);
      const seed = firstSeed + i;
      entries.push({
        createdAt: 1_600_000_000_000 + i * 1000,
        ...(modelId ? { modelId } : {}),
        request: { prompt: `${word} ${i} ${i % 2 ? 'red' : 'blue'} car`, width: 64, height: 64, seed },
        response: { images: [{ image_b64: btoa(bin), seed, width: 64, height: 64, finish_reason: 'SUCCESS' }], latency_ms: 5, prediction_time_ms: 4 },
      });
    }
    await new Promise<void>((resolve, reject) => {
      const open = indexedDB.open('sdxl-web');
      open.onsuccess = () => {
        const tx = open.result.transaction('history', 'readwrite');
        for (const e of entries) tx.objectStore('history').put(e);
        tx.oncomplete = () => {
          open.result.close();
          resolve();
        };
        tx.onabort = () => reject(tx.error);
      };
    });
  }, options);
}
