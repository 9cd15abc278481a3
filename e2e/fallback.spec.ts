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
});
