// inpaint_full_res end to end against diffusers' padding_mask_crop runs: pre-step crop, the ordinary inpaint at W×H,
// the overlay back into the init image; then the same requests through the engine, as OctoAI bodies.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/pipeline/generate';
import type { RgbaImage } from '../../src/pipeline/image-tensors';
import { fullResCrop, fullResPasteBack } from '../../src/pipeline/inpaint-full-res';
import type { ModelRunner } from '../../src/pipeline/runners';
import { gridToRgba, rgbGrid, type PixelGrid } from '../../src/pipeline/pixel-grid';
import { fullResRef, pngGrid, type FullResCase } from './full-res-reference';
import { decodePng, nodeEngine, tinyModel } from './node-model';
import { maxAbsDiff, testDataDir } from './reference';

// README "Verification and achievable tolerances" (onnxruntime-web wasm): latents 3.7e-5, crop uint8 ≤ 1 on ≤ 10
// values, the delivered image ≤ 1 and exactly the init image wherever the mask is 0.
const LATENT_TOL = 1e-4;
const MAX_CROP_VALUES_OFF = 10;

const ref = fullResRef();
const extras = `${testDataDir}tiny-sdxl-octoai-extras/`;

/** How the delivered image compares: largest difference, and whether every mask-0 pixel is exactly the init's. */
function compareDelivered(c: FullResCase, rgba: ArrayLike<number>) {
  const expected = pngGrid(c.png[0]!.file, 3);
  const init = pngGrid(c.image, 3);
  const mask = pngGrid(c.mask_image, 1);
  const rgb = rgbGrid({ rgba: Uint8ClampedArray.from(rgba), width: c.width, height: c.height }).data;
  let outsideExact = true;
  for (let p = 0; p < c.width * c.height; p++) {
    if (mask.data[p] !== 0) continue;
    for (let ch = 0; ch < 3; ch++) if (rgb[p * 3 + ch] !== init.data[p * 3 + ch]) outsideExact = false;
  }
  return { maxDiff: maxAbsDiff(rgb, expected.data), outsideExact };
}

const asRgba = (g: PixelGrid): RgbaImage => gridToRgba(g);

describe('inpaint_full_res: the whole chain in the pipeline (reference/inpaint_full_res)', () => {
  for (const c of ref.index.cases) {
    it(`matches ${c.name}: final latents, the repainted crop, the delivered image`, async () => {
      const init = asRgba(pngGrid(c.image, 3));
      const mask = asRgba(pngGrid(c.mask_image, 1));
      const crop = fullResCrop(init, mask, c.width, c.height, c.inpaint_full_res_padding)!;
      expect(crop.box).toEqual(c.crop.box);
      const { components } = await tinyModel();
      // Record the UNet's time_ids: the micro-conditioning is not told about the crop.
      const timeIds: number[][] = [];
      const unet: ModelRunner = {
        inputs: components.unet.inputs, outputs: components.unet.outputs,
        run: (feeds, names) => {
          timeIds.push(Array.from(feeds.time_ids!.data as Float32Array));
          return components.unet.run(feeds, names);
        },
      };
      const { images } = await generate({ ...components, unet }, {
        prompt: c.prompt, negative_prompt: c.negative_prompt ?? undefined, width: c.width, height: c.height,
        steps: c.num_inference_steps, cfg_scale: c.guidance_scale, sampler: 'K_EULER', seed: c.generator_seeds[0]!, num_images: 1,
        images: { init: crop.init, mask: crop.mask, strength: c.strength },
      }, { randomSeed: () => 0, promptWeighting: false });
      const img = images[0]!;
      expect(maxAbsDiff(img.finalLatents!, ref.float(c.tensors.final_latents!)), 'latents').toBeLessThanOrEqual(LATENT_TOL);
      expect(timeIds[0]).toEqual(Array.from(ref.float(`${c.name}/unet/0/time_ids`)));

      const repainted = rgbGrid(img).data;
      const expectedCrop = ref.tensor(c.tensors.image_uint8!).data as Uint8Array;
      expect(maxAbsDiff(repainted, expectedCrop), 'crop uint8').toBeLessThanOrEqual(1);
      expect(repainted.filter((v, i) => v !== expectedCrop[i]).length, 'crop values off by 1').toBeLessThanOrEqual(MAX_CROP_VALUES_OFF);

      const delivered = fullResPasteBack(init, mask, img, crop.box);
      const cmp = compareDelivered(c, delivered);
      expect(cmp.outsideExact, 'init pixels where the mask is 0').toBe(true);
      expect(cmp.maxDiff, 'delivered image').toBeLessThanOrEqual(1);
      // With diffusers' own crop the overlay is exact: the only differences come from the ONNX decode.
      const exact = fullResPasteBack(init, mask, asRgba({ data: expectedCrop, width: c.width, height: c.height, channels: 3 }), crop.box);
      expect(compareDelivered(c, exact).maxDiff).toBe(0);
    });
  }
});

interface RequestCase { name: string; field_group: string; request: Record<string, unknown>; expected: { images_png: string[] } }

describe('inpaint_full_res through the engine (requests.json)', () => {
  const engine = nodeEngine();
  const file = JSON.parse(readFileSync(`${extras}requests.json`, 'utf8')) as { cases: RequestCase[] };
  const requests = file.cases.filter((c) => c.field_group === 'inpaint_full_res');
  const loaded = engine.loadModel(`${testDataDir}tiny-sdxl/`);

  for (const rc of requests) {
    it(`answers ${rc.name} with diffusers' delivered image (±1, exact outside the mask), whatever maskBlur says`, async () => {
      expect((await loaded).ok).toBe(true);
      const c = ref.index.cases.find((k) => k.name === rc.name)!;
      for (const maskBlur of [undefined, 0, 12]) {
        const r = await engine.generate(`${rc.name}-${maskBlur}`, rc.request, undefined, maskBlur === undefined ? {} : { maskBlur });
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        const out = decodePng(r.value.images[0]!.image_b64);
        expect([out.width, out.height, r.value.images[0]!.seed]).toEqual([c.width, c.height, c.generator_seeds[0]]);
        const cmp = compareDelivered(c, out.rgba);
        expect(cmp.outsideExact).toBe(true);
        expect(cmp.maxDiff).toBeLessThanOrEqual(1);
        expect(rc.expected.images_png[0]).toBe(`reference/${c.png[0]!.file}`);
      }
    });
  }

  it('refuses a mask with no painted pixel, naming mask_image', async () => {
    const body = { ...requests[0]!.request };
    const png = new PNG({ width: body.width as number, height: body.height as number });
    png.data.fill(0);
    for (let p = 3; p < png.data.length; p += 4) png.data[p] = 255;
    const r = await engine.generate('ifr-black', { ...body, mask_image: PNG.sync.write(png).toString('base64') });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ code: 'invalid_request', detail: [{ loc: ['body', 'mask_image'], type: 'value_error' }] });
  });
});
