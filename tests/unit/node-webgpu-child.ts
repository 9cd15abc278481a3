// Child process of node-webgpu.test.ts (the WebGPU EP needs its Vulkan environment from process start): runs one
// diffusers txt2img case on onnxruntime-node's WebGPU EP and prints the outputs as JSON on stdout.
import { loadNodeModel } from '../../src/node/load-node-model';
import { generate } from '../../src/pipeline/generate';
import { loadReference, modelDir } from './reference';

interface Case { name: string; prompt: string; negative_prompt: string | null; height: number; width: number; num_inference_steps: number; guidance_scale: number; tensors: Record<string, string> }

const ref = loadReference<{ cases: Case[] }>('txt2img');
const c = ref.index.cases.find((k) => k.name === process.argv[2]);
if (!c) throw new Error(`no txt2img case ${process.argv[2]}`);
const sessions: Record<string, number> = {};
const model = await loadNodeModel(modelDir, { provider: 'webgpu', onSession: (e) => void (sessions[e.component] = Math.round(e.ms)) });
const start = performance.now();
const { images } = await generate(model.components, {
  prompt: c.prompt, negative_prompt: c.negative_prompt ?? undefined, width: c.width, height: c.height,
  steps: c.num_inference_steps, cfg_scale: c.guidance_scale, sampler: 'K_EULER', seed: 0, num_images: 1,
}, { randomSeed: () => 0, initialNoise: () => ref.float(c.tensors.latents_input!), promptWeighting: false });
const img = images[0]!;
process.stdout.write(JSON.stringify({
  sessions, generate_ms: Math.round(performance.now() - start),
  finalLatents: Array.from(img.finalLatents), decoderSample: Array.from(img.decoderSample), rgba: Array.from(img.rgba),
}));
await model.release();
process.exit(0);
