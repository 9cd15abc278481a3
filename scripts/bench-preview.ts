// `npm run bench:preview` (also the end of `npm run bench`): what live previews cost per denoise step on the tiny model
// in Node — end to end with and without previews (onnxruntime-web wasm: the JS loop and the device loop, whose x₀
// readback only previews cause; onnxruntime-node CPU), plus the projection and the buffer transfer alone at SDXL's
// 1024 px latent size (128×128), and the device loop's x₀ readback alone. End-to-end figures on a busy machine are noisy
// (minimum and median both given); the direct ones are per frame. Prints JSON; the budget is 3 % of a step.
import { parseArgs } from 'node:util';
import { MessageChannel } from 'node:worker_threads';
import * as ortWeb from 'onnxruntime-web';
import { dirModelFiles } from '../src/node/dir-files';
import { loadNodeModel } from '../src/node/load-node-model';
import { generate, type GenerateRequest } from '../src/pipeline/generate';
import { projectLatents } from '../src/pipeline/latent-preview';
import { loadSdxl, type LoadedModel } from '../src/runtime/load-sdxl';
import { RunClock } from '../src/runtime/ort-runner';
import { floatTensor } from '../src/pipeline/tensor';

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
async function endToEnd(name: string, model: LoadedModel) {
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
  const [off, on] = [median(perStep.off), median(perStep.on)];
  const [minOff, minOn] = [Math.min(...perStep.off), Math.min(...perStep.on)];
  const readback = name === 'wasm-device-loop' ? await readbackMs(model, latent, latent) : 0;
  // What a frame adds to a step, measured piece by piece: readback (device loop only), projection, transfer.
  const direct = readback + frame[`projection_${latent}x${latent}`]! + frame[`transfer_${latent * latent * 4}_bytes`]!;
  return {
    runner: name, loop, frames_per_run: frames / (runs + 1),
    step_ms_median: { without: round(off, 2), with: round(on, 2), overhead_pct: round(((on - off) / off) * 100, 1) },
    step_ms_min: { without: round(minOff, 2), with: round(minOn, 2), overhead_pct: round(((minOn - minOff) / minOff) * 100, 1) },
    direct: { readback_ms: readback, frame_ms: round(direct), overhead_pct: round((direct / minOff) * 100, 3) },
  };
}

/** The device loop's read() of a [1, 4, h, w] float32 tensor (the preview's readback), in ms (median). */
async function readbackMs(model: LoadedModel, h: number, w: number) {
  const run = model.components.deviceLoop!.begin();
  try {
    const t = await run.upload(floatTensor(new Float32Array(4 * h * w), [1, 4, h, w]));
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      await run.read(t);
      times.push(performance.now() - t0);
    }
    return round(median(times.slice(10)));
  } finally {
    run.release();
  }
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
const frame: Record<string, number> = {
  [`projection_${latent}x${latent}`]: projection(latent, latent),
  projection_128x128: projection(128, 128),
  [`transfer_${latent * latent * 4}_bytes`]: await transfer(latent * latent * 4),
  transfer_65536_bytes: await transfer(128 * 128 * 4),
};
const results = [];
let readback128 = 0;
for (const name of values.runners.split(',')) {
  const model = await loaders[name]!();
  results.push(await endToEnd(name, model));
  if (name === 'wasm-device-loop') readback128 = await readbackMs(model, 128, 128);
  await model.release();
}
// At 1024² (latent 128×128): one frame's cost, and the shortest step it stays within 3 % of.
const frame1024 = readback128 + frame.projection_128x128! + frame.transfer_65536_bytes!;
console.log(JSON.stringify({
  model: values.model, size, steps, runs, sampler: 'K_EULER', cfg_scale: 3, per_frame_ms: frame, end_to_end: results,
  at_1024: { readback_128x128_wasm_ms: readback128, frame_ms: round(frame1024), within_3pct_of_steps_over_ms: round(frame1024 / 0.03, 1) },
}, null, 2));
