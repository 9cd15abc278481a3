// Live previews end to end on the real app and the tiny model: frames of x₀ appear in the result slot while the form's
// run denoises, before its image; the progress shows the time left; and previews never change the image.
import { expect, test, type Page } from '@playwright/test';
import { AppPage } from './app-page';

test.describe.configure({ mode: 'serial' });
let page: Page;
let app: AppPage;

test.beforeAll(async ({ browser }) => ({ page, app } = await AppPage.openNew(browser)));
test.afterAll(() => page.close());

test('the form’s run draws preview frames before its image, and the same bytes come back without previews', async () => {
  test.setTimeout(600_000);
  await app.fill({ prompt: 'a lighthouse on a cliff at sunset', width: '64', height: '64', steps: '8', cfg_scale: '3', seed: '21' });
  // Every change of the preview's frame count, with the number of results shown at that moment and the canvas size.
  await page.evaluate(() => {
    const root = document.querySelector<HTMLElement>('[data-testid="live-preview"]')!;
    const log: { frames: number; results: number; visible: boolean; width: number; colours: number }[] = [];
    (window as unknown as { previewLog: typeof log }).previewLog = log;
    new MutationObserver(() => {
      const canvas = root.querySelector('canvas')!;
      const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < px.length; i += 4) colours.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
      log.push({ frames: Number(root.dataset.frames), results: document.querySelectorAll('[data-testid="result"]').length, visible: !root.hidden, width: canvas.width, colours: colours.size });
    }).observe(root, { attributes: true, attributeFilter: ['data-frames'] });
  });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('live-preview')).toBeVisible({ timeout: 240_000 });
  await expect(page.getByTestId('progress')).toContainText(/step \d\/8 .*about .* left/, { timeout: 240_000 });
  const img = page.getByTestId('result').first().locator('img');
  await expect(img).toHaveAttribute('data-seed', '21', { timeout: 480_000 });
  await expect(page.getByTestId('live-preview')).toBeHidden();

  const log = await page.evaluate(() => (window as unknown as { previewLog: { frames: number; results: number; visible: boolean; width: number; colours: number }[] }).previewLog);
  // One frame per step, each drawn while the slot was shown and before the result card existed; at latent size (64 / 8).
  expect(log.map((l) => l.frames)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  for (const l of log) expect([l.results, l.visible, l.width]).toEqual([0, true, 8]);
  // A picture, not a flat fill (8×8 pixels).
  expect(Math.max(...log.map((l) => l.colours))).toBeGreaterThan(8);

  // The same request through the page API, without previews and then with them: the same PNG bytes every time.
  const uiImage = (await img.getAttribute('src'))!.split(',')[1]!;
  const request = JSON.parse(await page.getByTestId('json-text').inputValue());
  const api = await page.evaluate(async (r) => {
    const plain = await window.sdxl.generate(r);
    let frames = 0;
    const previewed = await window.sdxl.generate(r, { preview: true, onProgress: (p) => void (p.preview && frames++) });
    return { plain: plain.images[0]!.image_b64, previewed: previewed.images[0]!.image_b64, frames };
  }, request);
  expect(api.frames).toBe(8);
  expect(api.plain === uiImage, 'UI run with previews vs page API without').toBe(true);
  expect(api.previewed === api.plain, 'page API with previews vs without').toBe(true);
});
