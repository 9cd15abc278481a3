// Dispatches and CPU encode time of one UNet call, from onnxruntime's own profiler, on a separate UNet session.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { openFromPath } from '../../src/node/node-sessions';
import { profileRuns, type RunProfile } from './ort-profile';
import { round } from './stats';

interface ProfileConfig {
  dir: string;
  provider: 'cpu' | 'webgpu';
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  size: number;
  /** The latent's side (size / the VAE's scale factor). */
  latentSide: number;
}

/** UNet feeds at batch b, shaped from the session's own input metadata (float32 I/O, as the fp16 skeleton keeps). */
function unetFeeds(session: ort.InferenceSession, size: number, h: number, batch: number): Record<string, ort.Tensor> {
  const dim = (name: string, i: number, fallback: number) => {
    const meta = session.inputMetadata.find((m) => m.name === name);
    const d = meta?.isTensor ? meta.shape[i] : undefined;
    return typeof d === 'number' ? d : fallback;
  };
  const tensor = (dims: number[], v: number) => new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(v), dims);
  const timeIds = new Float32Array(6 * batch);
  for (let b = 0; b < batch; b++) timeIds.set([size, size, 0, 0, size, size], b * 6);
  return {
    sample: tensor([batch, dim('sample', 1, 4), h, h], 0.5),
    timestep: new ort.Tensor('float32', Float32Array.of(999), []),
    encoder_hidden_states: tensor([batch, 77, dim('encoder_hidden_states', 2, 2048)], 0.1),
    text_embeds: tensor([batch, dim('text_embeds', 1, 1280)], 0.1),
    time_ids: new ort.Tensor('float32', timeIds, [batch, 6]),
  };
}

function summary(p: RunProfile, provider: string) {
  return {
    dispatches_per_unet_call: p.webgpuDispatches ?? p.kernels,
    dispatch_method: p.webgpuDispatches !== null
      ? "onnxruntime profiler 'Api' events in one model_run (one per WebGPU program dispatched)"
      : "onnxruntime profiler 'Node' kernel events in one model_run (CPU EP: kernels, no dispatches)",
    kernels_per_unet_call: p.kernels,
    kernels_by_provider: p.kernelsByProvider,
    unet_encode_cpu_ms: provider === 'webgpu' ? round(p.kernelMs, 2) : null,
    unet_encode_cpu_method: provider === 'webgpu'
      ? "sum of the 'Node' kernel durations in one run: CPU time spent recording the work (WebGPU kernels only encode)"
      : 'CPU EP: kernels compute on the CPU; there is no separate encode stage',
    profiled_run_ms: round(p.runMs),
  };
}

/** Loads the UNet alone with profiling on, runs it twice per batch size (the first compiles), reports the second. */
export async function profileUnet(c: ProfileConfig, batches: number[]): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-real-prof-'));
  try {
    // Opened as the Node runner opens it (attention biases shrunk), so the profile counts the app's graph.
    const path = join(c.dir, 'unet/model.onnx');
    const session = await openFromPath(ort, path, new Uint8Array(await readFile(path)), {
      executionProviders: [c.provider], graphOptimizationLevel: c.graphOptimizationLevel, logSeverityLevel: 3,
      enableProfiling: true, profileFilePrefix: join(dir, 'unet'),
    });
    for (const b of batches) for (let i = 0; i < 2; i++) await session.run(unetFeeds(session, c.size, c.latentSide, b));
    session.endProfiling();
    await session.release();
    const { readdir } = await import('node:fs/promises');
    const file = (await readdir(dir)).find((f) => f.endsWith('.json'));
    if (!file) return { error: 'onnxruntime wrote no profile' };
    const runs = await profileRuns(join(dir, file));
    const out: Record<string, unknown> = {};
    batches.forEach((b, i) => { const r = runs[2 * i + 1]; out[`batch_${b}`] = r ? summary(r, c.provider) : { error: 'run missing from profile' }; });
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
