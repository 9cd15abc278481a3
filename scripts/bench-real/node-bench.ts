// One provider of `bench:real` in this process: load the filled skeleton with the Node runner, run the pipeline, measure.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate, type GenerateRequest } from '../../src/pipeline/generate';
import { RunClock } from '../../src/runtime/ort-runner';
import { loadNodeModel } from '../../src/node/load-node-model';
import { gpuSampler, peakRssMb, resetPeakRss } from './peak-memory';
import { profileUnet } from './unet-profile';
import { median, round } from './stats';
import { latentTransfers, transferLedger } from '../../src/runtime/transfer-ledger';
import { timedUnet } from './unet-cpu-time';

export interface NodeBenchConfig {
  dir: string;
  provider: 'cpu' | 'webgpu';
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  size: number;
  steps: number;
  cfgs: number[];
  runs: number;
  profile: boolean;
}

const request = (c: NodeBenchConfig, cfg: number): GenerateRequest => ({
  prompt: 'a lighthouse on a cliff at sunset', negative_prompt: undefined, width: c.size, height: c.size, steps: c.steps,
  cfg_scale: cfg, sampler: 'K_EULER', seed: 1, num_images: 1,
});

export async function benchNode(c: NodeBenchConfig): Promise<Record<string, unknown>> {
  const peakReset = resetPeakRss();
  const gpu = await gpuSampler();
  const clock = new RunClock();
  const t0 = performance.now();
  const sessionMs: Record<string, number | null> = {};
  const model = await loadNodeModel(c.dir, {
    provider: c.provider, graphOptimizationLevel: c.graphOptimizationLevel, clock,
    // The load-time sessions at the benchmarked shape (static shapes: the first CFG's UNet batch).
    firstShape: { width: c.size, height: c.size, unetBatch: unetBatches(c.cfgs)[0] },
    onSession: (e) => { sessionMs[e.component] = round(e.ms); },
  });
  const loadMs = performance.now() - t0;
  const side = c.size / model.components.vaeScaleFactor;
  const latent = [side, side];
  const unetCpuMs: number[] = [];
  const components = { ...model.components, unet: timedUnet(model.components.unet, unetCpuMs) };
  const byCfg: Record<string, unknown> = {};
  try {
    for (const cfg of c.cfgs) {
      const req = request(c, cfg);
      const opts = { randomSeed: () => 1, now: () => performance.now(), timestepSpacing: 'trailing' };
      const tWarm = performance.now();
      await generate(components, req, opts); // compiles shaders, fills caches
      const warmMs = performance.now() - tWarm;
      const runs: Record<'total' | 'text' | 'decode' | 'unet' | 'overhead' | 'uploads' | 'readbacks' | 'cpu', number>[] = [];
      for (let i = 0; i < c.runs; i++) {
        clock.reset();
        unetCpuMs.length = 0;
        const mark = transferLedger.mark();
        const { timings } = await generate(components, req, opts);
        const transfers = latentTransfers(transferLedger.since(mark), [model.components.latentChannels, ...latent], (component) => component === 'unet');
        const unetMs = clock.ms.unet ?? [];
        const inside = clock.total();
        runs.push({
          total: timings.total, text: timings.encode_prompt, decode: timings.decode, unet: median(unetMs)!,
          overhead: (100 * (timings.total - inside)) / timings.total, uploads: transfers.uploads / c.steps,
          readbacks: transfers.readbacks / c.steps, cpu: median(unetCpuMs)!,
        });
      }
      const m = (k: keyof (typeof runs)[number]): number | null => round(median(runs.map((r) => r[k])), 2);
      byCfg[`cfg_${cfg}`] = {
        warmup_ms: round(warmMs), end_to_end_ms: m('total'), text_encode_ms: m('text'), unet_ms_per_step: m('unet'),
        vae_decode_ms: m('decode'), overhead_pct: m('overhead'), uploads_per_step: m('uploads'),
        readbacks_per_step: m('readbacks'), unet_call_process_cpu_ms: m('cpu'), runs: runs.length,
        transfer_method: "the runtime's transfer ledger (OrtRunner): latent-shaped CPU tensors fed to the UNet (uploads) and read back from it (readbacks)",
      };
    }
  } finally {
    await model.release();
  }
  const memory = memoryFigures(peakReset, gpu);
  const profile = c.profile ? await profileUnet({ ...c, latentSide: side }, unetBatches(c.cfgs)) : { skipped: '--no-profile' };
  return { load_ms: round(loadMs), session_create_ms: sessionMs, graph_optimization_level: c.graphOptimizationLevel, ...byCfg, ...memory, unet_profile: profile };
}

/**
 * `--mode profile`: the UNet's profiled calls alone (its dispatches and encode time at real depth), without the
 * pipeline around it, for where text encode and VAE decode would take most of the time (SwiftShader).
 */
export async function benchUnetProfileOnly(c: NodeBenchConfig): Promise<Record<string, unknown>> {
  const peakReset = resetPeakRss();
  const gpu = await gpuSampler();
  const vae = JSON.parse(await readFile(join(c.dir, 'vae_decoder/config.json'), 'utf8')) as { block_out_channels?: number[] };
  const side = c.size / 2 ** ((vae.block_out_channels?.length ?? 4) - 1);
  const t0 = performance.now();
  const profile = await profileUnet({ ...c, latentSide: side }, unetBatches(c.cfgs));
  return {
    mode: 'UNet profile only (--mode profile): no text encode, denoise loop or VAE decode',
    graph_optimization_level: c.graphOptimizationLevel, profile_wall_ms: round(performance.now() - t0), unet_profile: profile,
    ...memoryFigures(peakReset, gpu),
  };
}

/** The UNet batch each CFG runs at (2 with guidance: negative and positive in one call). */
const unetBatches = (cfgs: readonly number[]) => [...new Set(cfgs.map((g) => (g > 1 ? 2 : 1)))];

/** Peak RSS since the provider started (VmHWM where it could be reset) and the GPU sampler's peak. */
function memoryFigures(peakReset: boolean, gpu: Awaited<ReturnType<typeof gpuSampler>>) {
  return { peak_rss_mb: peakRssMb(), peak_rss_method: peakReset ? 'VmHWM since this provider started' : 'process RSS', ...gpu.stop() };
}
