// The device loop on onnxruntime-node's native WebGPU EP (Dawn on SwiftShader's Vulkan driver, which Debian's Chromium
// ships), in a child process because the driver's library path must be set when the process starts: a seeded txt2img
// equals diffusers, and no full latent crosses between CPU and GPU inside the loop.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { latentTransfers, type TransferCount } from '../../src/runtime/transfer-ledger';
import { OUTSIDE_LOOP } from '../../src/worker/generation-stats';
import { loadReference, maxAbsDiff } from './reference';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
// GPU kernels round differently from torch's CPU ones: measured 4.4e-4 here (the wasm EP is held to 1e-4 elsewhere).
const LATENT_TOL = 1e-3;
const PIXEL_TOL = 3; // as on WebGPU in the browser: GPU kernels and torch round differently

interface SeededCase {
  sampler: string; prompt: string; negative_prompt: string; height: number; width: number;
  num_inference_steps: number; guidance_scale: number; generator_code: string; tensors: Record<string, string>;
}

describe('device loop on onnxruntime-node WebGPU (SwiftShader Vulkan, child process)', () => {
  it.skipIf(!existsSync(ICD))('seeded K_EULER txt2img equals diffusers with the loop on the GPU', async () => {
    const ref = loadReference<{ cases: SeededCase[] }>('seeded_samplers');
    const c = ref.index.cases.find((k) => k.sampler === 'K_EULER')!;
    const request = {
      prompt: c.prompt, negative_prompt: c.negative_prompt, width: c.width, height: c.height, steps: c.num_inference_steps,
      cfg_scale: c.guidance_scale, sampler: c.sampler, seed: Number(/manual_seed\((\d+)\)/.exec(c.generator_code)![1]), num_images: 1,
    };
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'tests/unit/node-webgpu-child.ts', JSON.stringify(request)], {
      env: { ...process.env, LD_LIBRARY_PATH: '/usr/lib/chromium', XDG_RUNTIME_DIR: '/tmp', VK_ICD_FILENAMES: ICD },
      maxBuffer: 64 << 20,
      timeout: 900_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as { denoiseLoop: string; denoiseSteps: number; finalLatents: number[]; rgba: string; transfers: TransferCount[] };
    expect(out.denoiseLoop).toBe('gpu');
    expect(maxAbsDiff(out.finalLatents, ref.float(c.tensors.final_latents!)), 'latents vs diffusers').toBeLessThanOrEqual(LATENT_TOL);
    const rgba = Buffer.from(out.rgba, 'base64');
    const image = ref.tensor(c.tensors.image_uint8!).data as Uint8Array;
    let maxStep = 0;
    for (let p = 0; p < c.width * c.height; p++) for (let k = 0; k < 3; k++) maxStep = Math.max(maxStep, Math.abs(rgba[p * 4 + k]! - image[p * 3 + k]!));
    expect(maxStep, 'pixels vs diffusers').toBeLessThanOrEqual(PIXEL_TOL);
    const latent = [4, c.height / 8, c.width / 8];
    expect(latentTransfers(out.transfers, latent, (k) => !OUTSIDE_LOOP.has(k)), 'full-latent transfers in the loop').toEqual({ uploads: 0, readbacks: 0 });
    // Outside the loop: the initial latents go up once, and the image comes back once, as pixels.
    expect(out.transfers.filter((t) => t.direction === 'readback' && t.component === 'pixels').map((t) => t.count)).toEqual([1]);
  }, 960_000);
});
