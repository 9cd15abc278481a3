// Builds a generation's stats: time inside session.run per component, full-latent transfers per step, GPU dispatches and peak GPU memory.
import type { GpuCounts } from '../runtime/gpu-counters';
import type { ExecutionProvider, RunClock } from '../runtime/ort-runner';
import { tensorLedger } from '../runtime/tensor-ledger';
import { latentTransfers, type TransferCount } from '../runtime/transfer-ledger';
import type { GenerationStats } from './protocol';

/**
 * Components outside the denoise loop; every other one (the UNet, any guidance or scheduler graph) is in it. The device
 * loop's one-time uploads (conditioning, initial latents, noise for all steps), its pixels readback and its test-only
 * reads are outside too: they happen once per request or image, not per step.
 */
export const OUTSIDE_LOOP: ReadonlySet<string> = new Set(['text_encoder', 'text_encoder_2', 'vae_decoder', 'vae_encoder', 'device_upload', 'pixels', 'device_read']);

export interface GenerationMeasures {
  provider: ExecutionProvider;
  clock: RunClock;
  encodeMs: number;
  totalMs: number;
  denoiseLoop: 'cpu' | 'gpu';
  denoiseSteps: number;
  /** [C, h, w] of one image's latents. */
  latent: readonly number[];
  transfers: readonly TransferCount[];
  /** The device-level counters over the request; undefined where none are installed (wasm has no GPU; Node has no JS WebGPU). */
  gpu?: GpuCounts;
  /** The VAE's tile edge in pixels when it decoded in tiles. */
  vaeTilePx?: number;
}

function withoutTime({ lastSubmitAt: _, ...counts }: GpuCounts): Omit<GpuCounts, 'lastSubmitAt'> {
  return counts;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function generationStats(m: GenerationMeasures): GenerationStats {
  const ms = m.clock.ms;
  const sessionRun = m.clock.total();
  const latent = latentTransfers(m.transfers, m.latent, (c) => !OUTSIDE_LOOP.has(c));
  const steps = Math.max(1, m.denoiseSteps);
  const unetGpu = m.clock.gpu.unet ?? [];
  const gpuCounted = m.gpu !== undefined && unetGpu.length > 0;
  return {
    provider: m.provider,
    total_ms: m.totalMs,
    text_encode_ms: m.encodeMs,
    unet_ms_per_call: ms.unet ?? [],
    vae_decode_ms: (ms.vae_decoder ?? []).reduce((a, b) => a + b, 0),
    session_run_ms: sessionRun,
    pipeline_overhead_ms: m.totalMs - sessionRun,
    tensors: tensorLedger.counts(),
    denoise_loop: m.denoiseLoop,
    denoise_steps: m.denoiseSteps,
    readbacks_per_step: round3(latent.readbacks / steps),
    uploads_per_step: round3(latent.uploads / steps),
    dispatches_per_unet_call: gpuCounted ? round3(unetGpu.reduce((n, w) => n + w.dispatches, 0) / unetGpu.length) : null,
    unet_encode_cpu_ms: gpuCounted ? unetGpu.map((w) => w.encodeMs) : null,
    peak_gpu_mb: m.gpu && m.gpu.peakBytes > 0 ? round3(m.gpu.peakBytes / 1e6) : null,
    gpu: m.gpu ? withoutTime(m.gpu) : null,
    vae_peak_gpu_mb: m.clock.gpu.vae_decoder?.length ? round3(Math.max(...m.clock.gpu.vae_decoder.map((w) => w.peakBytes)) / 1e6) : null,
    ...(m.vaeTilePx ? { vae_tiles: { tile_px: m.vaeTilePx, calls: ms.vae_decoder?.length ?? 0, ...(ms.vae_encoder?.length ? { encoder_calls: ms.vae_encoder.length } : {}) } } : {}),
  };
}
