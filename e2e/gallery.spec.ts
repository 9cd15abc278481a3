// The history gallery (issue 13 §2) on the real app and tiny model: history survives a reload and holds 200 seeded
// entries plus real ones, the virtual grid scrolls smoothly (frame times measured and printed), search and favourites,
// the lightbox (keys, zoom, reuse, variations, send to inpaint), delete with Undo, and a .zip export unzipped in Node.
import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { AppPage } from './app-page';
import { seedHistory } from './seed-history';

test.describe.configure({ mode: 'serial' });
let page: Page;
let app: AppPage;
const SEEDED = 200;
const requestJson = async () => JSON.parse(await page.getByTestId('json-text').inputValue()) as Record<string, unknown>;
const counts = () => page.getByTestId('gallery-counts');
const cells = () => page.getByTestId('gallery-cell');

test.beforeAll(async ({ browser }) => ({ page, app } = await AppPage.openNew(browser)));
test.afterAll(() => page.close());

async function generateOne(prompt: string, seed: number): Promise<void> {
  await app.fill({ prompt, width: '64', height: '64', steps: '2', seed: String(seed), num_images: '1' });
  const before = await page.getByTestId('result').count();
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result')).toHaveCount(before + 1, { timeout: 120_000 });
}

/** Stored results' keys, read straight from IndexedDB. */
const storedKeys = () => page.evaluate(() => new Promise<number[]>((resolve, reject) => {
  const open = indexedDB.open('sdxl-web');
  open.onsuccess = () => {
    const req = open.result.transaction('history').objectStore('history').getAllKeys();
    req.onsuccess = () => {
      open.result.close();
      resolve(req.result as number[]);
    };
    req.onerror = () => reject(req.error);
  };
}));

test('history survives a reload and holds 200 seeded entries plus a real one; the grid scrolls smoothly', async () => {
  await generateOne('real lighthouse at dusk', 4242);
  // 200 older results written straight into the store (small PNGs of different colours), as an earlier session left them.
  await seedHistory(page, { count: SEEDED, word: 'seeded', firstSeed: 10_000, modelId: 'seeded' });

  await app.open(); // a reload: the page comes back from storage alone
  await expect(counts()).toHaveText(`${SEEDED + 1} images`, { timeout: 60_000 });
  await expect(page.getByTestId('result')).toHaveCount(12); // the recent cards hold the newest 12 in full
  const inDom = await cells().count();
  expect(inDom).toBeGreaterThan(0);
  expect(inDom).toBeLessThan(100); // virtualised: not 201 cells
  await expect(cells().first().locator('img')).toHaveAttribute('alt', /^Seed 4242: real lighthouse/);

  // Frame times during a programmatic scroll to the bottom and back (one step per animation frame).
  const frames = await page.evaluate(async () => {
    const scroller = document.querySelector<HTMLElement>('[data-testid="gallery-grid"]')!;
    const times: number[] = [];
    const range = scroller.scrollHeight - scroller.clientHeight;
    const steps = 120;
    let last = performance.now();
    for (let i = 1; i <= steps * 2; i++) {
      const k = i <= steps ? i / steps : 2 - i / steps;
      scroller.scrollTop = range * k;
      await new Promise(requestAnimationFrame);
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    times.sort((a, b) => a - b);
    const q = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]! * 10) / 10;
    return { frames: times.length, range_px: range, cells_in_dom: document.querySelectorAll('[data-testid="gallery-cell"]').length, p50_ms: q(0.5), p95_ms: q(0.95), max_ms: q(1) };
  });
  console.log(JSON.stringify({ gallery_scroll: { entries: SEEDED + 1, ...frames } }));
  expect(frames.cells_in_dom).toBeLessThan(100);
  // Generous bounds: on a 2-core machine running other test suites (load average ~18) the p95 was 140–170 ms while the
  // median stayed at one frame (~17 ms); a grid that rebuilt every cell per frame would not keep the median there.
  expect(frames.p50_ms).toBeLessThan(50);
  expect(frames.p95_ms).toBeLessThan(250);
});

test('search by prompt and favourites filter the grid', async () => {
  await page.getByTestId('gallery-search').fill('red car');
  await expect(counts()).toHaveText(`100 of ${SEEDED + 1} images`);
  await page.getByTestId('gallery-search').fill('"seeded 199"');
  await expect(counts()).toHaveText(`1 of ${SEEDED + 1} images`);
  await cells().first().getByTestId('gallery-star').click();
  await page.getByTestId('gallery-search').fill('');
  await page.getByTestId('gallery-favourites').check();
  await expect(counts()).toHaveText(`1 of ${SEEDED + 1} images`);
  await expect(cells().first().locator('img')).toHaveAttribute('alt', /^Seed 10199:/);
  await page.getByTestId('gallery-favourites').uncheck();
  await expect(counts()).toHaveText(`${SEEDED + 1} images`);
});

test('the lightbox: arrows, zoom, Esc; reuse the request, variations, send to inpaint', async () => {
  const lightbox = page.getByTestId('lightbox');
  await cells().first().locator('.vgrid-open').click();
  await expect(lightbox).toBeVisible();
  await expect(lightbox).toHaveAccessibleName('real lighthouse at dusk');
  await expect(page.getByTestId('lightbox-image')).toHaveAttribute('data-seed', '4242');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('lightbox-image')).toHaveAttribute('data-seed', String(10_000 + SEEDED - 1));
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('lightbox-image')).toHaveAttribute('data-seed', '4242');
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  await expect(page.getByTestId('lightbox-zoom')).toHaveText('156%');
  await page.keyboard.press('-');
  await expect(page.getByTestId('lightbox-zoom')).toHaveText('125%');
  await page.keyboard.press('Escape');
  await expect(lightbox).toBeHidden();

  // Reuse request: the form gets the stored request back.
  await app.fill({ prompt: 'something else', seed: '1' });
  await cells().first().locator('.vgrid-open').click();
  await page.getByTestId('reuse-request').click();
  await expect(lightbox).toBeHidden();
  await expect.poll(requestJson).toMatchObject({ prompt: 'real lighthouse at dusk', seed: 4242 });

  // Variations: the same request with a new seed, generated and stored.
  await cells().first().locator('.vgrid-open').click();
  await page.getByTestId('variations').click();
  await expect(counts()).toHaveText(`${SEEDED + 2} images`, { timeout: 120_000 });
  const newest = await cells().first().locator('img').getAttribute('alt');
  expect(newest).toMatch(/^Seed \d+: real lighthouse at dusk/);
  expect(newest).not.toMatch(/^Seed 4242:/);

  // Send to inpaint: the stored image becomes the init image, in the Inpaint mode, with the painter over it.
  await cells().nth(1).locator('.vgrid-open').click();
  const shown = (await page.getByTestId('lightbox-image').getAttribute('src'))!.split(',')[1];
  await page.getByTestId('send-inpaint').click();
  await expect(lightbox).toBeHidden();
  await expect.poll(async () => (await requestJson()).init_image).toBe(shown);
  await expect(page.getByTestId('mode-inpaint')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('painter-canvas')).toBeVisible();
});

test('the other lightbox actions: reuse seed, send to image-to-image and outpaint, copy JSON, download (with its request inside)', async () => {
  const lightbox = page.getByTestId('lightbox');
  const open = async () => {
    await cells().first().locator('.vgrid-open').click();
    await expect(lightbox).toBeVisible();
    return Number(await page.getByTestId('lightbox-image').getAttribute('data-seed'));
  };
  // Reuse seed: only the seed (and one image) changes in the current request.
  await app.fill({ prompt: 'keep this prompt', seed: '1' });
  const seed = await open();
  await page.getByTestId('reuse-seed').click();
  await expect.poll(requestJson).toMatchObject({ prompt: 'keep this prompt', seed, num_images: 1 });
  await page.keyboard.press('Escape');

  // Send to image-to-image, then to outpaint: the init image is the stored picture, in that mode.
  await open();
  const shown = (await page.getByTestId('lightbox-image').getAttribute('src'))!.split(',')[1];
  await page.getByTestId('send-img2img').click();
  await expect(lightbox).toBeHidden();
  await expect.poll(async () => (await requestJson()).init_image).toBe(shown);
  await expect(page.getByTestId('mode-img2img')).toHaveAttribute('aria-checked', 'true');
  await open();
  await page.getByTestId('send-outpaint').click();
  await expect(page.getByTestId('mode-outpaint')).toHaveAttribute('aria-checked', 'true');
  await expect.poll(async () => (await requestJson()).outpainting).toBe(true);
  await expect(page.getByTestId('outpaint-panel')).toBeVisible();

  // Copy JSON: the request with this image's seed (the clipboard is caught in the page).
  await page.evaluate(() => {
    (window as unknown as { copied: string[] }).copied = [];
    navigator.clipboard.writeText = async (text: string) => void (window as unknown as { copied: string[] }).copied.push(text);
  });
  await open();
  await page.getByTestId('copy-json').click();
  await expect(page.getByTestId('status')).toContainText('on the clipboard');
  const copied = JSON.parse((await page.evaluate(() => (window as unknown as { copied: string[] }).copied))[0]!) as { request: Record<string, unknown> };
  expect(copied.request).toMatchObject({ seed, num_images: 1 });

  // Download: the PNG itself, which carries its request (the octoai-request text chunk).
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('lightbox-download').click()]);
  const bytes = readFileSync((await download.path())!);
  expect([...bytes.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  expect(bytes.includes(Buffer.from('octoai-request'))).toBe(true);
  expect(bytes.includes(Buffer.from(`"seed":${seed}`))).toBe(true);
  await page.keyboard.press('Escape');
});

test('delete with Undo: undone, then committed after the toast', async () => {
  const first = await cells().first().getAttribute('data-key');
  const key = Number(first!.split(':')[0]);
  await cells().first().locator('.vgrid-open').click();
  await page.getByTestId('lightbox-delete').click();
  await expect(counts()).toHaveText(`${SEEDED + 1} images`);
  await page.getByTestId('undo').click();
  await expect(counts()).toHaveText(`${SEEDED + 2} images`);
  expect(await storedKeys()).toContain(key);
  await cells().first().locator('.vgrid-open').click();
  await page.getByTestId('lightbox-delete').click();
  await expect(page.getByTestId('undo-toast')).toBeHidden({ timeout: 15_000 });
  await expect.poll(storedKeys).not.toContain(key);
  await expect(counts()).toHaveText(`${SEEDED + 1} images`);
});

test('export as .zip: the selected images and a JSON of their requests', async () => {
  await page.getByTestId('gallery-search').fill('blue car');
  await expect(counts()).toHaveText(`100 of ${SEEDED + 1} images`);
  await page.getByTestId('gallery-search').fill('');
  for (let i = 0; i < 3; i++) await cells().nth(i).getByTestId('gallery-select').check();
  const alts = await Promise.all([0, 1, 2].map((i) => cells().nth(i).locator('img').getAttribute('alt')));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('gallery-export').click()]);
  expect(download.suggestedFilename()).toMatch(/^sdxl-results-.*\.zip$/);
  const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  const images = Object.keys(files).filter((n) => n.endsWith('.png'));
  expect(images).toHaveLength(3);
  for (const name of images) expect(Buffer.from(files[name]!).subarray(1, 4).toString()).toBe('PNG');
  const requests = JSON.parse(strFromU8(files['requests.json']!)) as { request: { prompt: string }; images: { file: string; seed: number }[] }[];
  expect(requests).toHaveLength(3);
  expect(requests.flatMap((r) => r.images.map((i) => i.file)).sort()).toEqual([...images].sort());
  // The zip holds exactly the selected ones: their seeds and prompts.
  const expected = alts.map((a) => /^Seed (\d+): (.*)$/.exec(a!)!);
  expect(requests.map((r) => r.images[0]!.seed).sort()).toEqual(expected.map((m) => Number(m[1])).sort());
  expect(requests.map((r) => r.request.prompt).sort()).toEqual(expected.map((m) => m[2]!).sort());
});
