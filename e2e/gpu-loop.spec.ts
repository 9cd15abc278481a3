// The GPU-resident denoising loop on the real WebGPU EP (SwiftShader here): each ported sampler gives diffusers' image
// and the CPU loop's, and the loop really stays on the GPU (the stats say where it ran).
import { expect, test, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import type { Sampler } from '../src/schema/samplers';
import { loadReference } from '../tests/unit/reference';
import { AppPage } from './app-page';
import { nodeReferencePng } from './node-reference';

// As txt2img.spec.ts: WebGPU kernels (SwiftShader) and torch round differently, by up to 3 of 255 per channel.
const PIXEL_TOLERANCE = 3;
const PORTED: readonly Sampler[] = ['K_EULER', 'K_EULER_ANCESTRAL', 'DDIM', 'DPM_SOLVER_MULTISTEP', 'UNI_PC'];

interface SeededCase {
  sampler: Sampler; prompt: string; negative_prompt: string; height: number; width: number;
  num_inference_steps: number; guidance_scale: number; generator_code: string; tensors: Record<string, string>;
}
const seeded = loadReference<{ cases: SeededCase[] }>('seeded_samplers');
const requestFor = (c: SeededCase) => ({
  prompt: c.prompt, negative_prompt: c.negative_prompt, width: c.width, height: c.height, steps: c.num_inference_steps,
  cfg_scale: c.guidance_scale, sampler: c.sampler, seed: Number(/manual_seed\((\d+)\)/.exec(c.generator_code)![1]),
});

/** Max per-channel difference between a PNG and diffusers' uint8 image (HWC, RGB). */
function diffToReference(pngB64: string, ref: Uint8Array): number {
  const png = PNG.sync.read(Buffer.from(pngB64, 'base64'));
  expect(png.width * png.height * 3).toBe(ref.length);
  let max = 0;
  for (let p = 0; p < png.width * png.height; p++) {
    for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(png.data[p * 4 + c]! - ref[p * 3 + c]!));
  }
  return max;
}

// SwiftShader is slow, and slower still on a loaded machine: a generation can take minutes here.
test.describe.configure({ mode: 'serial', timeout: 900_000 });
let page: Page;
let app: AppPage;

test.beforeAll(async ({ browser }) => ({ page, app } = await AppPage.openNew(browser)));
test.afterAll(() => page.close());

for (const sampler of PORTED) {
  test(`${sampler}: the GPU-resident loop gives diffusers' image and the CPU loop's`, async () => {
    const c = seeded.index.cases.find((k) => k.sampler === sampler)!;
    const request = requestFor(c);
    const response = await page.evaluate((r) => window.sdxl.generate(r), request);
    const stats = await page.evaluate(() => window.sdxl.stats());
    expect(stats?.provider).toBe('webgpu');
    expect(stats?.denoise_loop).toBe('gpu');
    const image = response.images[0]!.image_b64;
    expect(diffToReference(image, seeded.tensor(c.tensors.image_uint8!).data as Uint8Array), 'vs diffusers').toBeLessThanOrEqual(PIXEL_TOLERANCE);
    // The CPU loop of the same engine (Node, wasm EP): the loop's arithmetic moved, the image did not.
    const diff = await app.pixelDiff(image, await nodeReferencePng(request));
    expect(diff.max, `vs the CPU loop: ${JSON.stringify(diff)}`).toBeLessThanOrEqual(PIXEL_TOLERANCE);
    // No full latent crosses between CPU and GPU inside the loop (the transfer ledger, by tensor shape)…
    expect([stats!.readbacks_per_step, stats!.uploads_per_step]).toEqual([0, 0]);
  });
}

test('readbacks per image do not grow with the step count: the final pixels are the loop\'s only readback', async () => {
  const request = { ...requestFor(seeded.index.cases.find((k) => k.sampler === 'K_EULER')!), steps: 1 };
  const readbacks = async (steps: number) => {
    await page.evaluate((r) => window.sdxl.generate(r), { ...request, steps });
    const stats = (await page.evaluate(() => window.sdxl.stats()))!;
    expect(stats.denoise_loop).toBe('gpu');
    return stats.gpu!.readbacks; // mapAsync(READ) calls the device saw over the whole request
  };
  const [one, two] = [await readbacks(1), await readbacks(2)];
  expect(two, `1 step: ${one} readbacks, 2 steps: ${two}`).toBe(one);
});

test('?loop=cpu keeps the loop in JS on the same WebGPU sessions, with the same image', async ({ browser }) => {
  const cpuPage = await browser.newPage();
  try {
    const cpuApp = new AppPage(cpuPage);
    await cpuApp.open(undefined, 'loop=cpu');
    const request = requestFor(seeded.index.cases.find((k) => k.sampler === 'DPM_SOLVER_MULTISTEP')!);
    const cpu = await cpuPage.evaluate((r) => window.sdxl.generate(r), request);
    const cpuStats = (await cpuPage.evaluate(() => window.sdxl.stats()))!;
    expect(cpuStats.denoise_loop).toBe('cpu');
    // The JS loop reads every UNet output back and uploads the next sample: what the device loop removes.
    expect(cpuStats.readbacks_per_step).toBeGreaterThanOrEqual(1);
    expect(cpuStats.uploads_per_step).toBeGreaterThanOrEqual(1);
    const device = await page.evaluate((r) => window.sdxl.generate(r), request);
    const diff = await app.pixelDiff(device.images[0]!.image_b64, cpu.images[0]!.image_b64);
    expect(diff.max, JSON.stringify(diff)).toBeLessThanOrEqual(1);
  } finally {
    await cpuPage.close();
  }
});
