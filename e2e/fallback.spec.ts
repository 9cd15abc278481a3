// Without a WebGPU adapter the app says why, shows the CPU backend, and still generates (wasm EP) correctly.
import { expect, test } from '@playwright/test';
import { AppPage, referencePngBase64 } from './app-page';
import { baseArgs, chromiumPath } from './browser';

test.use({ launchOptions: { executablePath: chromiumPath, args: ['--disable-webgpu', ...baseArgs] } });

test('falls back to the wasm EP with a visible explanation and matches diffusers', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await expect(page.getByTestId('fallback-banner')).toBeVisible();
  await expect(page.getByTestId('fallback-banner')).toContainText('WebGPU');
  await expect(page.getByTestId('adapter')).toContainText('CPU');
  expect((await page.evaluate(() => window.sdxl.model()))?.provider).toBe('wasm');
  const r = await page.evaluate(() => window.sdxl.generate({
    prompt: 'a red fox in the snow', negative_prompt: 'blurry', width: 64, height: 64, steps: 4, cfg_scale: 3, seed: 7,
  }));
  const diff = await app.pixelDiff(r.images[0]!.image_b64, referencePngBase64('seeded_t2i_64x64_seed7_g3_neg.png'));
  expect(diff.max, JSON.stringify(diff)).toBeLessThanOrEqual(1);

  // image_encoding jpeg returns JPEG bytes.
  const jpeg = await page.evaluate(() => window.sdxl.generate({ prompt: 'x', width: 64, height: 64, steps: 1, seed: 1, image_encoding: 'jpeg' }));
  expect(Buffer.from(jpeg.images[0]!.image_b64, 'base64').subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  expect(Buffer.from(r.images[0]!.image_b64, 'base64').subarray(1, 4).toString()).toBe('PNG');
});

test('Cancel stops a running generation between steps and keeps the page usable', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  const results = await page.getByTestId('result').count();
  await app.fill({ prompt: 'a long run', width: '256', height: '256', steps: '200', cfg_scale: '3', seed: '1', num_images: '1' });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('progress')).toContainText(/step \d+\/200/, { timeout: 60_000 });
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('status')).toHaveText('Cancelled.');
  await expect(page.getByTestId('progress')).toBeHidden();
  await expect(page.getByTestId('result')).toHaveCount(results);
  await expect(page.getByTestId('generate')).toBeEnabled();
});
