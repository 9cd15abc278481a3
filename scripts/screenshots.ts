// Regenerates the README screenshots: the app after a generation, the JSON view, field errors, the mask painter, the
// outpaint panel, and the widget on a host page of another site.
// Usage: npx tsx scripts/screenshots.ts [--images-only | --embed-only]  (builds, serves on :4175, headless WebGPU)
import { chromium, type Page } from '@playwright/test';
import { build, preview } from 'vite';
import { acceptLink } from '../e2e/accept-link';
import { openDrawer } from '../e2e/app-page';
import { chromiumPath, webgpuArgs } from '../e2e/browser';

/** The painter with two strokes over a picture, then the outpaint panel with the extended canvas and its mask. */
async function imageModeShots(page: Page): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 1200 }); // tall enough that the sticky top bar covers nothing
  await page.getByTestId('mode-inpaint').click();
  await page.getByTestId('image-file').setInputFiles('test-data/reference/images/init_image.png');
  const canvas = page.getByTestId('painter-canvas');
  await canvas.waitFor();
  const box = (await canvas.boundingBox())!;
  for (const [from, to] of [[[0.25, 0.3], [0.7, 0.55]], [[0.2, 0.75], [0.8, 0.75]]] as const) {
    await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps: 10 });
    await page.mouse.up();
  }
  await page.locator('.results').screenshot({ path: 'docs/screenshots/mask-painter.png' });
  await page.getByTestId('mode-outpaint').click();
  await page.getByTestId('outpaint-left').check();
  await page.getByTestId('outpaint-amount').fill('0.25');
  await page.getByTestId('outpaint-apply').click();
  await page.waitForTimeout(500);
  await page.locator('.results').screenshot({ path: 'docs/screenshots/outpaint.png' });
  await page.getByTestId('mode-txt2img').click();
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** The Model & settings drawer: the model card (choices, load state), the models stored on this device, the storage line and the memory setting. */
async function modelShots(page: Page): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 1300 });
  await openDrawer(page);
  await page.locator('details.model-body').evaluate((d) => ((d as HTMLDetailsElement).open = true));
  await page.getByTestId('device-model-tiny-sdxl').waitFor();
  const box = (await page.getByTestId('settings-drawer').boundingBox())!;
  const bottom = (await page.locator('.memory-card').boundingBox())!;
  await page.screenshot({ path: 'docs/screenshots/models.png', clip: { x: box.x, y: box.y, width: box.width, height: bottom.y + bottom.height - box.y + 12 } });
  await page.locator('details.model-body').evaluate((d) => ((d as HTMLDetailsElement).open = false));
  await page.keyboard.press('Escape');
}

/** The example host page on another site (a.localhost) driving the widget (127.0.0.1) through sdk.js, after a run. */
async function embedShot(page: Page): Promise<void> {
  await page.setViewportSize({ width: 1000, height: 600 });
  await page.goto(`http://a.localhost:4175/examples/embed/?app=${encodeURIComponent('http://127.0.0.1:4175/')}&ep=wasm&theme=light`);
  await page.waitForFunction(() => (window as unknown as { client?: unknown }).client !== undefined);
  await page.evaluate(async () => {
    const client = (window as unknown as { client: { ready: Promise<unknown>; loadModel(ref: string): Promise<unknown> } }).client;
    await client.ready;
    await client.loadModel('./models/tiny-sdxl/');
  });
  await page.locator('#go').click();
  await page.getByTestId('host-image').and(page.locator('[src^="data:"]')).waitFor({ timeout: 120_000 });
  await page.screenshot({ path: 'docs/screenshots/widget.png' });
}

await build({ logLevel: 'warn' });
const server = await preview({ preview: { port: 4175, strictPort: true }, logLevel: 'warn' });
const browser = await chromium.launch({ executablePath: chromiumPath, args: webgpuArgs });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  if (process.argv.includes('--embed-only')) {
    await embedShot(page);
    process.exit(0);
  }
  await page.goto('http://localhost:4175/?model=tiny-sdxl');
  const ready = () => page.getByTestId('model-state').filter({ hasText: 'ready' }).waitFor({ timeout: 300_000 });
  await acceptLink(page, ready);
  await ready();
  await modelShots(page);
  if (process.argv.includes('--images-only')) {
    await imageModeShots(page);
    process.exit(0);
  }
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
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.locator('.controls').evaluate((e) => e.scrollTo(0, 0));
  await page.screenshot({ path: 'docs/screenshots/app.png' });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.locator('#tab-json').click();
  await page.screenshot({ path: 'docs/screenshots/json-view.png' });
  await page.locator('#tab-form').click();
  await page.locator('[name=steps]').fill('500');
  await page.locator('[name=width]').fill('100');
  await page.locator('[name=height]').fill('64');
  await page.getByTestId('generate').click();
  await page.screenshot({ path: 'docs/screenshots/field-errors.png' });
  await page.locator('[name=steps]').fill('4');
  await imageModeShots(page);
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
console.log('wrote docs/screenshots/*.png');
