// Dispatches and CPU encode time of one UNet call, from onnxruntime's own profiler, on a separate UNet session.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { openFromPath } from '../../src/node/node-sessions';
import { firstDims } from '../../src/runtime/load-shape';
import { declaredInputs } from '../../src/runtime/onnx-input-dims';
import { shapeKey } from '../../src/runtime/session-shapes';
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

/**
 * Loads the UNet alone with profiling on, once per batch size with that call's dims fixed (the Node runner's static
 * shapes, so shape ops fold away as in the app), runs it twice (the first compiles) and reports the second.
 */
export async function profileUnet(c: ProfileConfig, batches: number[]): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-real-prof-'));
  try {
    const path = join(c.dir, 'unet/model.onnx');
    const graph = new Uint8Array(await readFile(path));
    const out: Record<string, unknown> = {};
    for (const b of batches) {
      const dims = firstDims('unet', declaredInputs(graph), { width: c.size, height: c.size, vaeScaleFactor: c.size / c.latentSide, unetBatch: b, tokens: 77 });
      const prefix = join(dir, `unet-b${b}`);
      // Opened as the Node runner opens it (attention biases shrunk, dims fixed), so the profile counts the app's graph.
      const session = await openFromPath(ort, path, graph, {
        executionProviders: [c.provider], graphOptimizationLevel: c.graphOptimizationLevel, logSeverityLevel: 3,
        enableProfiling: true, profileFilePrefix: prefix,
      }, dims);
      for (let i = 0; i < 2; i++) await session.run(unetFeeds(session, c.size, c.latentSide, b));
      session.endProfiling();
      await session.release();
      const file = (await readdir(dir)).find((f) => f.startsWith(`unet-b${b}`) && f.endsWith('.json'));
      const run = file ? (await profileRuns(join(dir, file)))[1] : undefined;
      out[`batch_${b}`] = run ? { ...summary(run, c.provider), shapes: dims ? `static (${shapeKey(dims)})` : 'free dims' } : { error: file ? 'run missing from profile' : 'onnxruntime wrote no profile' };
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
