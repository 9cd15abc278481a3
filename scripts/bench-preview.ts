// `npm run bench:preview` (also the end of `npm run bench`): what live previews cost per denoise step on the tiny model
// in Node — end to end with and without previews (onnxruntime-web wasm: the JS loop and the device loop, whose x₀
// readback only previews cause; onnxruntime-node CPU), plus the projection and the buffer transfer alone at SDXL's
// 1024 px latent size (128×128). Prints JSON; the budget is 3 % of a step.
import { parseArgs } from 'node:util';
import { MessageChannel } from 'node:worker_threads';
import * as ortWeb from 'onnxruntime-web';
import { dirModelFiles } from '../src/node/dir-files';
import { loadNodeModel } from '../src/node/load-node-model';
import { generate, type GenerateRequest } from '../src/pipeline/generate';
import { projectLatents } from '../src/pipeline/latent-preview';
import { loadSdxl, type LoadedModel } from '../src/runtime/load-sdxl';
import { RunClock } from '../src/runtime/ort-runner';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    steps: { type: 'string', default: '8' },
    size: { type: 'string', default: '256' },
    model: { type: 'string', default: 'test-data/tiny-sdxl/' },
    runners: { type: 'string', default: 'wasm-cpu-loop,wasm-device-loop,node-cpu' },
  },
});
const runs = Number(values.runs);
const steps = Number(values.steps);
const size = Number(values.size);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
ortWeb.env.wasm.numThreads = 1;

const loaders: Record<string, () => Promise<LoadedModel>> = {
  'wasm-cpu-loop': () => loadSdxl(dirModelFiles(values.model), { ort: ortWeb as never, provider: 'wasm', clock: new RunClock() }),
  'wasm-device-loop': () => loadSdxl(dirModelFiles(values.model), { ort: ortWeb as never, provider: 'wasm', clock: new RunClock(), deviceLoop: true }),
  'node-cpu': () => loadNodeModel(values.model, { provider: 'cpu' }),
};

/** Median ms per denoise step with previews off and on, runs interleaved (off, on, off, on …) after one warm-up each. */
async function endToEnd(name: string) {
  const model = await loaders[name]!();
  const req: GenerateRequest = { prompt: 'a lighthouse on a cliff at sunset', width: size, height: size, steps, cfg_scale: 3, sampler: 'K_EULER', seed: 1, num_images: 1 };
  const perStep = { off: [] as number[], on: [] as number[] };
  let frames = 0;
  let loop = '';
  for (let i = 0; i <= runs; i++) {
    for (const mode of ['off', 'on'] as const) {
      const r = await generate(model.components, req, { randomSeed: () => 0, preview: mode === 'on', onProgress: (e) => void (e.preview && frames++) });
      loop = r.denoiseLoop;
      if (i > 0) perStep[mode].push(r.timings.denoise[0]! / steps);
    }
  }
  await model.release();
  const [off, on] = [median(perStep.off), median(perStep.on)];
  return { runner: name, loop, step_ms_without: round(off, 2), step_ms_with: round(on, 2), overhead_pct: round(((on - off) / off) * 100, 1), frames_per_run: frames / (runs + 1) };
}

/** The projection of one [1, 4, h, w] x₀ to RGBA, in ms (median of many). */
function projection(h: number, w: number) {
  const latents = Float32Array.from({ length: 4 * h * w }, (_, i) => Math.sin(i) * 2);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    projectLatents(latents, [1, 4, h, w]);
    times.push(performance.now() - t);
  }
  return round(median(times.slice(20)));
}

/** One frame's RGBA buffer posted with transfer through a MessageChannel (as comlink does to the page), in ms. */
async function transfer(bytes: number) {
  const { port1, port2 } = new MessageChannel();
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const buf = new Uint8ClampedArray(bytes);
    const got = new Promise<void>((resolve) => port2.once('message', () => resolve()));
    const t = performance.now();
    port1.postMessage(buf, [buf.buffer]);
    await got;
    times.push(performance.now() - t);
  }
  port1.close();
  return round(median(times.slice(20)));
}

const latent = size / 8;
const out = {
  model: values.model, size, steps, runs, sampler: 'K_EULER', cfg_scale: 3,
  end_to_end: [] as Awaited<ReturnType<typeof endToEnd>>[],
  per_frame_ms: {
    [`projection_${latent}x${latent}`]: projection(latent, latent),
    projection_128x128: projection(128, 128),
    [`transfer_${latent * latent * 4}_bytes`]: await transfer(latent * latent * 4),
    transfer_65536_bytes: await transfer(128 * 128 * 4),
  },
};
for (const name of values.runners.split(',')) out.end_to_end.push(await endToEnd(name));
console.log(JSON.stringify(out, null, 2));
