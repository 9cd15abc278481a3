// `bench:real` without a UNet (its data not filled, or too large for this machine): the pipeline's text-encode and
// VAE-decode stages, on sessions made the way the Node runner makes them.
import { readFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { encodeConditioning } from '../../src/pipeline/prompt-encoding';
import { decodeLatents } from '../../src/pipeline/vae-decode';
import { loadTokenizer } from '../../src/runtime/load-sdxl';
import type { ModelFiles } from '../../src/runtime/model-files';
import { OrtRunner, RunClock, type Ort } from '../../src/runtime/ort-runner';
import type { NodeBenchConfig } from './node-bench';
import { gpuSampler, peakRssMb, resetPeakRss } from './peak-memory';
import { median, round } from './stats';

function dirFiles(dir: string): ModelFiles {
  return {
    location: `${dir}/`,
    bytes: async (path) => new Uint8Array(await readFile(join(dir, path))),
    json: async (path) => JSON.parse(await readFile(join(dir, path), 'utf8')),
    exists: (path) => access(join(dir, path)).then(() => true, () => false),
  };
}

export async function benchStages(c: NodeBenchConfig): Promise<Record<string, unknown>> {
  const peakReset = resetPeakRss();
  const gpu = await gpuSampler();
  const clock = new RunClock();
  const loadMs: Record<string, number | null> = {};
  const session = async (component: string) => {
    const t0 = performance.now();
    const s = await ortNode.InferenceSession.create(join(c.dir, component, 'model.onnx'), {
      executionProviders: [c.provider], graphOptimizationLevel: c.graphOptimizationLevel, logSeverityLevel: 3,
    });
    loadMs[component] = round(performance.now() - t0);
    return new OrtRunner(ortNode as unknown as Ort, s as never, component, clock);
  };
  const files = dirFiles(c.dir);
  const enc = {
    tokenizer: await loadTokenizer(files, 'tokenizer'), tokenizer2: await loadTokenizer(files, 'tokenizer_2'),
    textEncoder: await session('text_encoder'), textEncoder2: await session('text_encoder_2'),
  };
  const vae = await session('vae_decoder');
  const h = c.size / 8; // SDXL's VAE (the skeleton's) scales by 8
  const latents = new Float32Array(4 * h * h).map((_, i) => Math.sin(i * 0.37)); // any finite latents
  const byCfg: Record<string, unknown> = {};
  try {
    for (const cfg of c.cfgs) {
      const fields = { prompt: 'a lighthouse on a cliff at sunset', negative_prompt: undefined };
      const texts: number[] = [];
      const decodes: number[] = [];
      for (let i = 0; i <= c.runs; i++) { // run 0 is the warm-up
        clock.reset();
        let t0 = performance.now();
        await encodeConditioning(enc, fields, cfg > 1);
        const text = performance.now() - t0;
        t0 = performance.now();
        await decodeLatents(vae, latents, [1, 4, h, h], 0.13025);
        const decode = performance.now() - t0;
        if (i > 0) { texts.push(text); decodes.push(decode); }
      }
      byCfg[`cfg_${cfg}`] = { text_encode_ms: round(median(texts)), vae_decode_ms: round(median(decodes)), runs: c.runs };
    }
  } finally {
    await Promise.all([enc.textEncoder.release(), enc.textEncoder2.release(), vae.release()]);
  }
  return {
    mode: 'stages (no UNet data: text encode and VAE decode only, through the pipeline stage functions)',
    load_ms: loadMs, graph_optimization_level: c.graphOptimizationLevel, ...byCfg,
    peak_rss_mb: peakRssMb(), peak_rss_method: peakReset ? 'VmHWM since this provider started' : 'process RSS', ...gpu.stop(),
  };
}
