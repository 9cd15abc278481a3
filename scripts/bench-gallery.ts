// `npm run bench` (gallery part): the history gallery with 1,000 stored results in headless Chromium (the app on Vite's
// dev server, no model needed). Prints JSON: listing + first render of the grid when the summaries are there, the
// one-time summary/thumbnail backfill for results stored without them, frame times of a scroll from top to bottom and
// back, and a search's filter + re-render time.
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import { createServer } from 'vite';
import { APP_PORT, chromiumPath, webgpuArgs } from '../e2e/browser';
import { seedHistory } from '../e2e/seed-history';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '1000' }, port: { type: 'string', default: String(APP_PORT + 7) } } });
const N = Number(values.entries);
const port = Number(values.port);

const server = await createServer({ server: { port, strictPort: true }, logLevel: 'warn' });
await server.listen();
const browser = await chromium.launch({ executablePath: chromiumPath, args: webgpuArgs });

interface Opened { page_load_ms: number; list_ms: number; render_ms: number }

/** A page load until the grid holds every entry (and a frame is painted): from navigation start, and the gallery's own
 *  listing (IndexedDB) and render (filter + virtual grid) times, read from its performance.measure. */
async function timeToGrid(page: Page): Promise<Opened> {
  await page.goto(`http://localhost:${port}/`);
  return page.evaluate(async (n) => {
    const want = `${n} images`;
    while (document.querySelector('[data-testid="gallery-counts"]')?.textContent !== want) await new Promise(requestAnimationFrame);
    await new Promise(requestAnimationFrame);
    const m = performance.getEntriesByName('gallery-refresh').at(-1) as PerformanceMeasure;
    const d = m.detail as { list_ms: number; render_ms: number };
    // (No helper functions in here: tsx would wrap them in its __name, which the page does not have.)
    return { page_load_ms: Math.round(performance.now()), list_ms: Math.round(d.list_ms * 10) / 10, render_ms: Math.round(d.render_ms * 10) / 10 };
  }, N);
}

try {
  const page = await browser.newPage();
  await page.goto(`http://localhost:${port}/`);
  await page.waitForFunction(() => window.sdxl !== undefined);
  // N results written into the store as an earlier session left them (distinct 64×64 PNGs).
  await seedHistory(page, { count: N, word: 'bench', firstSeed: 0 });
  const backfill = await timeToGrid(page); // makes N summaries with thumbnails, once
  const runs = [await timeToGrid(page), await timeToGrid(page), await timeToGrid(page)];
  const median = (k: keyof Opened) => runs.map((r) => r[k]).sort((a, b) => a - b)[1];
  const dom = await page.locator('[data-testid="gallery-cell"]').count();
  const scroll = await page.evaluate(async () => {
    const scroller = document.querySelector<HTMLElement>('[data-testid="gallery-grid"]')!;
    const range = scroller.scrollHeight - scroller.clientHeight;
    const times: number[] = [];
    const steps = 300;
    let last = performance.now();
    for (let i = 1; i <= steps * 2; i++) {
      scroller.scrollTop = range * (i <= steps ? i / steps : 2 - i / steps);
      await new Promise(requestAnimationFrame);
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    times.sort((a, b) => a - b);
    const [p50, p95, max] = [0.5, 0.95, 1].map((p) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]! * 10) / 10);
    return { frames: times.length, range_px: range, p50_ms: p50, p95_ms: p95, max_ms: max };
  });
  const search = await page.evaluate(async () => {
    const input = document.querySelector<HTMLInputElement>('[data-testid="gallery-search"]')!;
    const t0 = performance.now();
    input.value = 'red car';
    input.dispatchEvent(new Event('input'));
    const filtered = performance.now() - t0;
    await new Promise(requestAnimationFrame);
    return { filter_and_render_ms: Math.round(filtered * 10) / 10, to_next_frame_ms: Math.round((performance.now() - t0) * 10) / 10, shown: document.querySelector('[data-testid="gallery-counts"]')?.textContent };
  });
  console.log(JSON.stringify({
    gallery: {
      entries: N,
      first_open_with_backfill_ms: backfill,
      // Medians of three page loads (dev server: the page load includes Vite's on-demand module transforms).
      page_load_to_grid_ms: median('page_load_ms'),
      list_ms: median('list_ms'),
      grid_render_ms: median('render_ms'),
      runs,
      cells_in_dom: dom,
      scroll,
      search,
    },
  }, null, 2));
} finally {
  await browser.close();
  await server.close();
}
