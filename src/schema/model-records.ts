// The models the app offers out of the box, as records: the default SDXL-Lightning web export, an alternative export,
// and the tiny test model served by the dev and preview servers.
import type { ModelRecordInput } from './model-record';

/** SDXL's own VAE encoder as an ONNX export; the Lightning web exports ship none, so img2img fetches it on first use. */
const SDXL_VAE_ENCODER = { source: { kind: 'hub', repo: 'stabilityai/stable-diffusion-xl-base-1.0', revision: 'main' }, lazy: true } as const;

// Lightning is distilled for few steps without guidance: its model card says CFG 1.0 (above 1 over-saturates and
// burns), unlike OctoAI's 3.0 default for its own Lightning checkpoint. The record's defaults pre-fill the form.
const LIGHTNING_DEFAULTS = { steps: 4, cfg_scale: 1, sampler: 'K_EULER' } as const;

/** A public SDXL-Lightning fp16 web export on the Hub (UNet sharded below 2 GB, no VAE encoder of its own). */
function lightningWebExport(id: string, name: string, repo: string, note: string): ModelRecordInput {
  return {
    id, name, note,
    source: { kind: 'hub', repo, revision: 'main' },
    components: { vae_encoder: SDXL_VAE_ENCODER },
    requires: { shaderF16: true },
    gpuBytes: 7_500_000_000,
    downloadBytes: 6_500_000_000,
    defaults: LIGHTNING_DEFAULTS,
  };
}

export const BUILTIN_MODELS: ModelRecordInput[] = [
  lightningWebExport('sdxl-lightning-4step-web-fp16', 'SDXL-Lightning 4-step (fp16 ONNX web export)', 'Cyronius/sdxl-lightning-4step-onnx-web-fp16-3shard',
    'Needs a GPU with shader-f16 and about 8 GB of memory. The VAE encoder for image-to-image is fetched on first use.'),
  lightningWebExport('sdxl-lightning-onnx-webgpu', 'SDXL-Lightning (ONNX WebGPU export by d0gr)', 'd0gr/sdxl-lightning-onnx-webgpu',
    'An alternative web export of the same model; its file layout is checked when it is resolved.'),
  {
    id: 'tiny-sdxl',
    name: 'Tiny SDXL (random weights, for testing)',
    // Relative to the app's base URL, so it works wherever the app is deployed.
    source: { kind: 'url', baseUrl: './models/tiny-sdxl/' },
    gpuBytes: 60_000_000,
    downloadBytes: 31_000_000,
    defaults: { steps: 4, cfg_scale: 3, sampler: 'K_EULER' },
    note: 'Served by the dev and preview servers; makes noise images in seconds, even on a CPU.',
  },
];
