// Regenerates the README screenshots: the app after a generation, the JSON view, and field errors.
// Usage: npx tsx scripts/screenshots.ts  (builds, serves on :4175, drives headless Chromium with WebGPU)
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { chromiumPath, webgpuArgs } from '../e2e/browser';

await build({ logLevel: 'warn' });
const server = await preview({ preview: { port: 4175, strictPort: true }, logLevel: 'warn' });
const browser = await chromium.launch({ executablePath: chromiumPath, args: webgpuArgs });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto('http://localhost:4175/?model=/models/tiny-sdxl/');
  await page.getByTestId('model-state').filter({ hasText: 'ready' }).waitFor({ timeout: 300_000 });
  await page.locator('[name=prompt]').fill('a lighthouse on a cliff at sunset, dramatic clouds');
  await page.locator('[name=negative_prompt]').fill('blurry, low quality');
  await page.locator('[name=num_images]').fill('2');
  await page.locator('[name=seed]').fill('42');
  await page.locator('[name=steps]').fill('4');
  await page.getByTestId('generate').click();
  await page.getByTestId('progress').waitFor({ state: 'visible' });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: 'docs/screenshots/progress.png' });
  await page.getByTestId('result').nth(1).waitFor({ timeout: 600_000 });
  await page.locator('.controls').evaluate((e) => e.scrollTo(0, 0));
  await page.screenshot({ path: 'docs/screenshots/app.png' });
  await page.locator('#tab-json').click();
  await page.screenshot({ path: 'docs/screenshots/json-view.png' });
  await page.locator('#tab-form').click();
  await page.locator('[name=steps]').fill('500');
  await page.locator('[name=width]').fill('100');
  await page.locator('[name=height]').fill('64');
  await page.getByTestId('generate').click();
  await page.screenshot({ path: 'docs/screenshots/field-errors.png' });
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
console.log('wrote docs/screenshots/*.png');
