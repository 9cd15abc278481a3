// The image modes on the page: the mode switch, pictures brought in by drop and paste, outpainting through its panel
// on the real WebGPU EP, and the before/after comparison.
import { expect, test, type Page } from '@playwright/test';
import { AppPage, referencePngBase64 } from './app-page';

test.describe.configure({ mode: 'serial' });
let page: Page;
let app: AppPage;
const init = referencePngBase64('init_image.png');
const requestJson = async () => JSON.parse(await page.getByTestId('json-text').inputValue()) as Record<string, unknown>;

test.beforeAll(async ({ browser }) => ({ page, app } = await AppPage.openNew(browser)));
test.afterAll(() => page.close());

const bring = (how: 'drop' | 'paste', b64: string) => app.bringFile(how, b64);

test('the mode switch only sets request fields, and drop or paste brings the picture in', async () => {
  await expect(page.getByTestId('mode-txt2img')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('image-zone')).toBeHidden();
  await page.getByTestId('mode-img2img').click();
  await expect(page.getByTestId('image-zone')).toBeVisible();
  await bring('drop', init);
  await expect.poll(async () => (await requestJson()).init_image).toBe(init);
  await expect(page.getByTestId('painter-canvas')).toBeVisible();
  await expect(page.getByTestId('mode-img2img')).toHaveAttribute('aria-checked', 'true');

  // Text mode puts the picture aside; Image mode brings it back, unchanged.
  await page.getByTestId('mode-txt2img').click();
  expect((await requestJson()).init_image).toBeUndefined();
  await expect(page.getByTestId('painter')).toBeHidden();
  await page.getByTestId('mode-img2img').click();
  expect((await requestJson()).init_image).toBe(init);

  // A pasted picture replaces it (here: the mask PNG, so the change is visible in the request).
  const other = referencePngBase64('mask.png');
  await bring('paste', other);
  await expect.poll(async () => (await requestJson()).init_image).toBe(other);
  await bring('paste', init);
  await expect.poll(async () => (await requestJson()).init_image).toBe(init);

  // Inpaint mode with an uploaded cut-out: its transparency becomes the mask.
  await page.getByTestId('mode-inpaint').click();
  await expect(page.getByTestId('mode-inpaint')).toHaveAttribute('aria-checked', 'true');
  expect((await requestJson()).mask_image).toBeUndefined();
});

test('outpainting 64×64 → 96×64 through the panel keeps the original region and paints the new one', async () => {
  await page.getByTestId('mode-outpaint').click();
  await expect(page.getByTestId('outpaint-panel')).toBeVisible();
  // Right only, by half: the tiny model's range allows 96×64 as it is.
  for (const side of ['left', 'top', 'bottom']) await page.getByTestId(`outpaint-${side}`).uncheck();
  await page.getByTestId('outpaint-right').check();
  await page.getByTestId('outpaint-amount').fill('0.5');
  await expect(page.getByTestId('outpaint-plan')).toContainText('96×64');
  await page.getByTestId('outpaint-apply').click();
  await expect.poll(async () => (await requestJson()).mask_image !== undefined).toBe(true);
  const request = await requestJson();
  expect(request).toMatchObject({ width: 96, height: 64, outpainting: true });

  await app.fill({ prompt: 'a wide landscape', negative_prompt: '', steps: '4', cfg_scale: '3', seed: '4', num_images: '1', style_preset: '', sampler: '' });
  const before = await page.getByTestId('result').count();
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result')).toHaveCount(before + 1, { timeout: 240_000 });
  const src = (await page.getByTestId('result').first().locator('img.result-image').first().getAttribute('src'))!;
  const check = await page.evaluate(async ([out, orig]) => {
    const decode = async (b64: string) => {
      const bmp = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
      const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d')!;
      ctx.drawImage(bmp, 0, 0);
      return ctx.getImageData(0, 0, bmp.width, bmp.height);
    };
    const [a, b] = await Promise.all([decode(out), decode(orig)]);
    let originalMax = 0;
    let newAreaPainted = 0;
    for (let y = 0; y < a.height; y++) {
      for (let x = 0; x < a.width; x++) {
        const p = (y * a.width + x) * 4;
        if (x < 64) for (let c = 0; c < 3; c++) originalMax = Math.max(originalMax, Math.abs(a.data[p + c]! - b.data[(y * 64 + x) * 4 + c]!));
        else if (a.data[p]! + a.data[p + 1]! + a.data[p + 2]! > 0) newAreaPainted++;
      }
    }
    return { width: a.width, height: a.height, originalMax, newAreaPainted };
  }, [src.split(',')[1]!, init] as const);
  expect(check).toMatchObject({ width: 96, height: 64, originalMax: 0 });
  expect(check.newAreaPainted).toBeGreaterThan(32 * 64 * 0.9);

  // Before/after: the composed canvas lies over the result, revealed up to the slider.
  await page.getByTestId('result').first().getByTestId('compare').click();
  const beforeImg = page.getByTestId('result').first().getByTestId('compare-before');
  await expect(beforeImg).toBeVisible();
  expect(await beforeImg.getAttribute('src')).toBe(`data:image/png;base64,${String(request.init_image)}`);
  await page.getByTestId('result').first().getByTestId('compare-slider').fill('20');
  await expect(beforeImg).toHaveCSS('clip-path', 'inset(0px 80% 0px 0px)');
});

test('Extend plans from the original picture, so a second extension does not compound', async () => {
  await page.getByTestId('outpaint-left').check();
  await page.getByTestId('outpaint-amount').fill('0.25');
  await expect(page.getByTestId('outpaint-plan')).toContainText('96×64');
  await expect(page.getByTestId('outpaint-plan')).toContainText('+16 px left, +16 px right');
});
