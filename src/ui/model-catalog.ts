// The models the app offers: the default SDXL-Lightning web export on the Hugging Face Hub, and the tiny test model.
export interface CatalogModel {
  id: string;
  name: string;
  baseUrl: string;
  downloadBytes: number;
  note: string;
}

export const DEFAULT_MODEL: CatalogModel = {
  id: 'sdxl-lightning-4step-web-fp16',
  name: 'SDXL-Lightning 4-step (fp16 ONNX web export)',
  baseUrl: 'https://huggingface.co/Cyronius/sdxl-lightning-4step-onnx-web-fp16-3shard/resolve/main/',
  downloadBytes: 6.5e9,
  note: 'Needs a GPU with shader-f16 and about 8 GB of memory. Text-to-image only (it ships no VAE encoder).',
};

export const TINY_TEST_MODEL: CatalogModel = {
  id: 'tiny-sdxl',
  name: 'Tiny SDXL (random weights, for testing)',
  baseUrl: '/models/tiny-sdxl/',
  downloadBytes: 27e6,
  note: 'Served by the dev and preview servers; makes noise images in seconds, even on a CPU.',
};

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}
