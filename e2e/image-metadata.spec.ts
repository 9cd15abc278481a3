// Settings live in the image: a generated PNG carries its request and restores it when dropped back; Automatic1111
// and ComfyUI pictures restore what maps and list the rest; a plain picture is still the init image.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { AppPage, referencePngBase64 } from './app-page';

test.describe.configure({ mode: 'serial' });
let page: Page;
let app: AppPage;
const fixture = (name: string) => readFileSync(new URL(`../test-data/image-metadata/${name}`, import.meta.url)).toString('base64');
const requestJson = async () => JSON.parse(await page.getByTestId('json-text').inputValue()) as Record<string, unknown>;

test.beforeAll(async ({ browser }) => ({ page, app } = await AppPage.openNew(browser)));
test.afterAll(() => page.close());

const bring = (how: 'drop' | 'paste', b64: string, name: string) => app.bringFile(how, b64, name);

test('a downloaded result dropped back restores its request; "Use as init image instead" undoes that', async () => {
  await app.fill({
    prompt: '(a lighthouse:1.2), "storm", waves BREAK\nnight', negative_prompt: 'blurry, text', width: '64', height: '64',
    steps: '3', cfg_scale: '2', seed: '21', sampler: 'K_EULER_ANCESTRAL',
  });
  const before = await requestJson();
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result').first().locator('img')).toHaveAttribute('data-seed', '21', { timeout: 240_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('result').first().getByRole('link', { name: 'Download' }).click()]);
  const file = readFileSync((await download.path())!);
  // The file holds both texts (checked here on the bytes, independently of the app's reader).
  expect(file.includes('tEXtparameters\0')).toBe(true);
  expect(file.includes('octoai-request\0')).toBe(true);

  await app.fill({ prompt: 'something else', steps: '5', seed: '3' });
  const changed = await requestJson();
  await bring('drop', file.toString('base64'), download.suggestedFilename());
  await expect(page.getByTestId('restore-text')).toHaveText('Restored the request from an image made here.');
  await expect(page.getByTestId('status')).toContainText('Restored the request');
  // The same request; the run's resolved checkpoint is written into the image too.
  expect(await requestJson()).toEqual({ ...before, checkpoint: 'octoai:lightning_sdxl' });
  await expect(app.field('prompt')).toHaveValue('(a lighthouse:1.2), "storm", waves BREAK\nnight');
  await expect(app.field('seed')).toHaveValue('21');

  await page.getByTestId('restore-use-as-init').click();
  await expect(page.getByTestId('restore-notice')).toBeHidden();
  const now = await requestJson();
  expect(now.init_image).toBe(file.toString('base64'));
  const { init_image: _, ...rest } = now;
  expect(rest).toEqual(changed);
});

test('an Automatic1111 PNG restores prompt, negative, steps, sampler, CFG, seed, size and LoRA; the rest is listed', async () => {
  await bring('paste', fixture('a1111-parameters.png'), 'a1111.png');
  await expect(page.getByTestId('restore-text')).toHaveText('Restored the request from an Automatic1111 image; not mapped: '
    + 'Model hash: 31e35c80fc; Model: sd_xl_base_1.0; Lora hashes: add_detail: 7c6bad76eb54; Version: v1.10.1.');
  expect(await requestJson()).toEqual({
    prompt: '(masterpiece:1.2), a lighthouse on a cliff, "storm" BREAK\ncrashing waves', negative_prompt: '(worst quality, low quality:1.4), watermark',
    steps: 6, sampler: 'DPM_PLUS_PLUS_2M_KARRAS', cfg_scale: 2.5, seed: 1234567, width: 64, height: 96, loras: { add_detail: 0.7 },
  });
  await expect(app.field('steps')).toHaveValue('6');
  await expect(app.field('sampler')).toHaveValue('DPM_PLUS_PLUS_2M_KARRAS');
  await expect(app.field('cfg_scale')).toHaveValue('2.5');
});

test('a ComfyUI PNG restores its KSampler settings, texts and latent size', async () => {
  await bring('drop', fixture('comfyui-prompt.png'), 'ComfyUI_00001_.png');
  await expect(page.getByTestId('restore-text')).toHaveText('Restored the request from a ComfyUI image; not mapped: CheckpointLoaderSimple.ckpt_name: "sdxl_lightning_4step.safetensors".');
  expect(await requestJson()).toEqual({ seed: 99, steps: 5, cfg_scale: 1.5, sampler: 'K_EULER_ANCESTRAL', prompt: 'a paper boat on a pond', negative_prompt: 'blurry', width: 64, height: 64 });
});

test('a plain picture is still the init image', async () => {
  const plain = referencePngBase64('init_image.png');
  await bring('drop', plain, 'init.png');
  await expect.poll(async () => (await requestJson()).init_image).toBe(plain);
  await expect(page.getByTestId('restore-notice')).toBeHidden();
  expect((await requestJson()).prompt).toBe('a paper boat on a pond');
});

test('a JPEG made here carries its request (EXIF UserComment and COM) and restores it when pasted', async () => {
  const request = { prompt: 'a lantern in the fog, "quoted", <lora-like> text', negative_prompt: 'blurry', width: 64, height: 96, steps: 3, cfg_scale: 2.5, sampler: 'K_EULER_ANCESTRAL', seed: 314, image_encoding: 'jpeg' };
  const jpeg = await page.evaluate((r) => window.sdxl.generate(r as never).then((res) => res.images[0]!.image_b64), request);
  expect(Buffer.from(jpeg, 'base64').subarray(0, 2).toString('hex')).toBe('ffd8');
  await app.fill({ prompt: 'something else entirely', seed: '1' });
  await bring('paste', jpeg, 'made-here.jpg');
  await expect(page.getByTestId('restore-notice')).toBeVisible();
  const restored = await requestJson();
  // Every field, the output encoding too (jpeg is not the default, so the image keeps it).
  expect(restored).toMatchObject({ ...request });
});
