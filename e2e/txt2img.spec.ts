// Text-to-image end to end on the real WebGPU EP: the form, the page API, validation, and the adapter shown.
import { expect, test, type Page } from '@playwright/test';
import { AppPage, referenceDir, referencePngBase64 } from './app-page';
import { nodeReferencePng } from './node-reference';

// Max per-channel difference (of 255) from diffusers' PNG. WebGPU kernels (SwiftShader) and torch round differently;
// the Node/wasm path is held to 1 step in the unit tests.
const PIXEL_TOLERANCE = 3;

test.describe.configure({ mode: 'serial' });
let page: Page;
let app: AppPage;

test.beforeAll(async ({ browser }) => ({ page, app } = await AppPage.openNew(browser)));
test.afterAll(() => page.close());

test('runs on WebGPU and shows the adapter', async () => {
  const adapter = await page.evaluate(() => window.sdxl.adapter());
  expect(adapter.provider).toBe('webgpu');
  await expect(page.getByTestId('adapter')).toContainText('WebGPU');
  await expect(page.getByTestId('adapter')).toContainText(adapter.architecture || adapter.vendor || 'GPU');
  expect((await page.evaluate(() => window.sdxl.model()))?.provider).toBe('webgpu');
  await expect(page.getByTestId('fallback-banner')).toBeHidden();
});

test('the form and the JSON view are two views of one request', async () => {
  await page.locator('#tab-json').click();
  const body = { prompt: 'a pasted OctoAI body', negative_prompt: 'blurry', steps: 6, cfg_scale: 2.5, seed: [3, 4], num_images: 2, sampler: 'K_EULER' };
  await page.getByTestId('json-text').fill(JSON.stringify(body));
  await page.locator('#tab-form').click();
  await expect(app.field('prompt')).toHaveValue('a pasted OctoAI body');
  await expect(app.field('steps')).toHaveValue('6');
  await expect(app.field('seed')).toHaveValue('3, 4');
  await expect(app.field('sampler')).toHaveValue('K_EULER');
  await app.fill({ cfg_scale: '4', num_images: '1', seed: '9' });
  await page.locator('#tab-json').click();
  expect(JSON.parse(await page.getByTestId('json-text').inputValue())).toEqual({ ...body, cfg_scale: 4, num_images: 1, seed: 9 });
  await page.getByTestId('json-text').fill('{"prompt": ');
  await expect(page.locator('#json-error')).toContainText('Not valid JSON');
  await page.locator('#tab-form').click();
  await expect(app.field('prompt')).toHaveValue('a pasted OctoAI body');
});

test('invalid input shows field errors and starts no generation', async () => {
  await app.fill({ prompt: 'a red fox', width: '60', height: '64', steps: '500', cfg_scale: '0', seed: 'abc' });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('error-steps')).toContainText('200');
  await expect(page.getByTestId('error-cfg_scale')).toContainText('> 0');
  await expect(page.getByTestId('error-width')).toContainText('multiples of 8');
  await expect(page.getByTestId('error-seed')).not.toBeEmpty();
  await expect(page.getByTestId('form-errors')).toBeVisible();
  await expect(page.getByTestId('progress')).toBeHidden();
  expect(await page.evaluate(() => window.sdxl.stats())).toBeUndefined();
  await expect(page.getByTestId('result')).toHaveCount(0);
});

test('the form generates the image diffusers makes for the same seed', async () => {
  await app.fill({ prompt: 'a red fox in the snow', negative_prompt: 'blurry', width: '64', height: '64', steps: '4', cfg_scale: '3', seed: '7' });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('progress')).toBeVisible();
  const img = page.getByTestId('result').first().locator('img');
  await expect(img).toHaveAttribute('data-seed', '7', { timeout: 240_000 });
  await expect(page.getByTestId('form-errors')).toBeHidden();
  const src = await img.getAttribute('src');
  const diff = await app.pixelDiff(src!.split(',')[1]!, referencePngBase64('seeded_t2i_64x64_seed7_g3_neg.png'));
  expect(diff.width).toBe(64);
  expect(diff.max, JSON.stringify(diff)).toBeLessThanOrEqual(PIXEL_TOLERANCE);
  await expect(page.getByTestId('result').first().getByRole('link', { name: 'Download' })).toHaveAttribute('download', 'sdxl-7.png');
});

test('window.sdxl.generate with num_images 2 and a seed list matches diffusers per image', async () => {
  const response = await page.evaluate(() => window.sdxl.generate({
    prompt: 'studio photo of a ceramic teapot', width: 96, height: 64, steps: 4, cfg_scale: 1, seed: [11, 12], num_images: 2,
  }));
  expect(response.images.map((i) => [i.seed, i.width, i.height, i.removed_for_safety])).toEqual([[11, 96, 64, false], [12, 96, 64, false]]);
  expect(response.latency_ms).toBeGreaterThan(0);
  for (const [k, image] of response.images.entries()) {
    const diff = await app.pixelDiff(image.image_b64, referencePngBase64(`seeded_t2i_64x96_gens11_12_g1_${k}.png`));
    expect(diff.max, `image ${k}: ${JSON.stringify(diff)}`).toBeLessThanOrEqual(PIXEL_TOLERANCE);
  }
});

test('the page API rejects a bad request with the 422 detail and generates nothing', async () => {
  const error = await page.evaluate(() => window.sdxl.generate({ prompt: 'x', num_images: 40, style_preset: 'vaporwave' } as never).then(
    () => null, (e: { code: string; detail: unknown }) => ({ code: e.code, detail: e.detail }),
  ));
  expect(error?.code).toBe('invalid_request');
  expect(error?.detail).toEqual([
    expect.objectContaining({ loc: ['body', 'style_preset'], type: 'enum' }),
    expect.objectContaining({ loc: ['body', 'num_images'], type: 'less_than_equal' }),
  ]);
});

test('a non-default sampler, a weighted long prompt and a style on WebGPU equal the Node pipeline', async () => {
  const prompt = `(a lighthouse:1.3) on a [foggy] cliff, ${'stormy waves crashing on rocks, '.repeat(12)}((golden hour))`;
  const request = { prompt, negative_prompt: 'blurry', style_preset: 'watercolor', sampler: 'K_EULER_ANCESTRAL', width: 64, height: 64, steps: 4, cfg_scale: 3, seed: 77 } as const;
  // The UI explains what the prompt and the style turn into.
  await app.fill({ prompt, style_preset: 'watercolor', sampler: 'K_EULER_ANCESTRAL' });
  await expect(page.getByTestId('info-prompt')).toContainText('2 chunks');
  await expect(page.getByTestId('info-style_preset')).toContainText('watercolor painting of …');
  const sampler = page.locator('[name="sampler"] optgroup');
  await expect(sampler).toHaveCount(3);
  await expect(sampler.nth(2)).toHaveAttribute('label', /Premium/);

  const browser = await page.evaluate((r) => window.sdxl.generate(r), request);
  const nodeImage = await nodeReferencePng(request);
  const diff = await app.pixelDiff(browser.images[0]!.image_b64, nodeImage);
  expect(diff.max, JSON.stringify(diff)).toBeLessThanOrEqual(PIXEL_TOLERANCE);
});

test('image-to-image through window.sdxl.generate equals the Node pipeline', async () => {
  const request = { prompt: 'an oil painting of a mountain village', width: 64, height: 64, steps: 4, cfg_scale: 3, seed: 5, strength: 0.6, init_image: referencePngBase64('init_image.png') };
  const browser = await page.evaluate((r) => window.sdxl.generate(r), request);
  const diff = await app.pixelDiff(browser.images[0]!.image_b64, await nodeReferencePng(request));
  expect(diff.max, JSON.stringify(diff)).toBeLessThanOrEqual(PIXEL_TOLERANCE);
});

test('inpainting through the page API keeps unmasked pixels and repaints masked ones', async () => {
  const init = referencePngBase64('init_image.png');
  const request = { prompt: 'a red brick wall', width: 64, height: 64, steps: 4, cfg_scale: 3, seed: 9, strength: 1, init_image: init, mask_image: referencePngBase64('mask.png') };
  const browser = await page.evaluate((r) => window.sdxl.generate(r), request);
  const split = await app.maskedDiff(browser.images[0]!.image_b64, init, request.mask_image);
  expect(split.outsideMax, JSON.stringify(split)).toBe(0);
  expect(split.insideChanged).toBeGreaterThan(100);
  const diff = await app.pixelDiff(browser.images[0]!.image_b64, await nodeReferencePng(request));
  expect(diff.max, JSON.stringify(diff)).toBeLessThanOrEqual(PIXEL_TOLERANCE);
});

test('the mask painter: upload, paint with the mouse, generate — unmasked pixels unchanged, masked ones repainted', async () => {
  await page.locator('[name="init_image"]').setInputFiles(new URL('images/init_image.png', referenceDir).pathname);
  const canvas = page.getByTestId('painter-canvas');
  await expect(canvas).toBeVisible();
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  // A diagonal stroke and a horizontal one, with real mouse events.
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6, { steps: 12 });
  await page.mouse.up();
  await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.8);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.8, { steps: 12 });
  await page.mouse.up();
  await expect.poll(async () => JSON.parse(await page.getByTestId('json-text').inputValue()).mask_image !== undefined).toBe(true);
  // Undo drops the second stroke; redo brings it back.
  const withBoth = JSON.parse(await page.getByTestId('json-text').inputValue()).mask_image;
  await page.getByTestId('painter-undo').click();
  await expect.poll(async () => JSON.parse(await page.getByTestId('json-text').inputValue()).mask_image).not.toBe(withBoth);
  await page.getByTestId('painter-redo').click();
  await expect.poll(async () => JSON.parse(await page.getByTestId('json-text').inputValue()).mask_image).toBe(withBoth);

  await page.locator('details[data-group="image"]').evaluate((d) => ((d as HTMLDetailsElement).open = true)); // strength lives here
  await app.fill({ prompt: 'a red brick wall', negative_prompt: '', width: '64', height: '64', steps: '4', cfg_scale: '3', seed: '9', strength: '1', num_images: '1', style_preset: '', sampler: '' });
  const before = await page.getByTestId('result').count();
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result')).toHaveCount(before + 1, { timeout: 240_000 });
  const src = (await page.getByTestId('result').first().locator('img').getAttribute('src'))!;
  const split = await app.maskedDiff(src.split(',')[1]!, referencePngBase64('init_image.png'), withBoth);
  expect(split.outsideMax, JSON.stringify(split)).toBe(0);
  expect(split.insideChanged).toBeGreaterThan(50);

  // One click sends the result back as the next init image; the painted mask stays for another pass.
  await page.getByTestId('result').first().getByTestId('use-as-init').click();
  await expect.poll(async () => JSON.parse(await page.getByTestId('json-text').inputValue()).init_image).toBe(src.split(',')[1]);
  expect(JSON.parse(await page.getByTestId('json-text').inputValue()).mask_image).toBe(withBoth);
  await expect(page.getByTestId('painter-canvas')).toBeVisible();
});

test('results and the draft survive a reload', async () => {
  const before = await page.getByTestId('result').count();
  expect(before).toBeGreaterThanOrEqual(5);
  const prompt = await app.field('prompt').inputValue();
  await page.reload();
  await expect(page.getByTestId('result')).toHaveCount(before);
  await expect(app.field('prompt')).toHaveValue(prompt);
});
