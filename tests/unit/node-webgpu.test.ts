// The Node engine on onnxruntime-node's native WebGPU EP (Dawn) equals diffusers' txt2img at 64×64. Here it runs on
// SwiftShader's Vulkan driver, which only Debian's Chromium ships: the child process starts with its environment.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadReference, maxAbsDiff } from './reference';
import { expectPixelsClose, IMAGE_TOL, toNhwc } from './txt2img-compare';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const SWIFTSHADER_ENV = { LD_LIBRARY_PATH: '/usr/lib/chromium', XDG_RUNTIME_DIR: '/tmp', VK_ICD_FILENAMES: ICD };
/** WebGPU's kernels sum in another order than the CPU's: measured 1.3e-4 on latents up to |50| (the CPU EPs: 6e-5). */
const WEBGPU_LATENT_TOL = 2e-4;
const CASE = 't2i_64x64_g1';

interface ChildOutput { sessions: Record<string, number>; generate_ms: number; finalLatents: number[]; decoderSample: number[]; rgba: number[] }

function runChild(): Promise<ChildOutput> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./node-webgpu-child.ts', import.meta.url)), CASE], {
    env: { ...process.env, ...SWIFTSHADER_ENV }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ChildOutput) : reject(new Error(`child exited ${code}: ${err.slice(-2000)}`)))));
}

describe.skipIf(!existsSync(ICD))('Node engine on onnxruntime-node WebGPU (SwiftShader Vulkan)', () => {
  it(`matches diffusers' ${CASE}`, { timeout: 20 * 60_000 }, async () => {
    const o = await runChild();
    const ref = loadReference<{ cases: { name: string; width: number; height: number; tensors: Record<string, string> }[] }>('txt2img');
    const c = ref.index.cases.find((k) => k.name === CASE)!;
    expect(maxAbsDiff(Float32Array.from(o.finalLatents), ref.float(c.tensors.final_latents!))).toBeLessThanOrEqual(WEBGPU_LATENT_TOL);
    expect(maxAbsDiff(toNhwc(Float32Array.from(o.decoderSample), c.width, c.height), ref.float(c.tensors.image!))).toBeLessThanOrEqual(IMAGE_TOL);
    expectPixelsClose(Uint8ClampedArray.from(o.rgba), ref.float(c.tensors.image!), CASE);
    console.log(JSON.stringify({ provider: 'ort-node-webgpu (SwiftShader)', session_ms: o.sessions, generate_ms: o.generate_ms }));
  });
});
