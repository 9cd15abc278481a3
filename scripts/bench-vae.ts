// `npm run bench:vae`: peak GPU memory of whole against tiled VAE decode on the tiny model in headless Chromium (WebGPU),
// one fresh page per run, plus the decoder's largest-buffer estimate for real SDXL. Prints JSON.
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { acceptLink } from '../e2e/accept-link';
import { chromiumPath, webgpuArgs } from '../e2e/browser';
import { chooseVaeTiling, LOW_MEMORY_BUFFER_BYTES, vaeDecoderLargestBuffer, type Precision } from '../src/pipeline/vae-memory';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '128,256,512' },
    // Tile edge in pixels for the tiled runs (a multiple of 32).
    tile: { type: 'string', default: '64' },
    steps: { type: 'string', default: '1' },
    model: { type: 'string', default: '/models/tiny-sdxl/' },
    'estimate-only': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});
const MB = 1e6;
const mb = (bytes: number) => Math.round(bytes / MB * 10) / 10;

/** The estimator's figures for SDXL's VAE (block_out_channels 128, 256, 512, 512) at 1024², against common limits. */
function sdxlEstimates() {
  const sdxl = { blockOutChannels: [128, 256, 512, 512] };
  const out: Record<string, unknown> = {};
  for (const precision of ['fp16', 'fp32'] as Precision[]) {
    const whole = vaeDecoderLargestBuffer(sdxl, 128, 128, precision);
    const choices: Record<string, unknown> = {};
    for (const [name, limits] of Object.entries({
      'limit_2GiB': { maxBufferBytes: 2 ** 31, lowMemory: false },
      'limit_1GiB': { maxBufferBytes: 2 ** 30, lowMemory: false },
      'limit_128MiB (WebGPU default)': { maxBufferBytes: 2 ** 27, lowMemory: false },
      [`low_memory (${LOW_MEMORY_BUFFER_BYTES / 2 ** 20} MiB)`]: { maxBufferBytes: 2 ** 31, lowMemory: true },
    })) {
      const c = chooseVaeTiling(sdxl, 128, 128, precision, limits);
      choices[name] = c.tileLatent ? { tile_px: c.tileLatent * 8, largest_buffer_mb: mb(c.tile!.largestBytes) } : 'whole';
    }
    out[`sdxl_1024_${precision}`] = { activation_mb: mb(whole.activationBytes), attention_mb: mb(whole.attentionBytes), largest_buffer_mb: mb(whole.largestBytes), tiling: choices };
  }
  return out;
}

const results: Record<string, unknown> = { estimate: sdxlEstimates() };
if (!values['estimate-only']) {
  const port = 4174 + Number(process.env.E2E_PORT_OFFSET ?? 0);
  if (!values['no-build']) await build({ logLevel: 'warn' });
  const server = await preview({ preview: { port, strictPort: true }, logLevel: 'warn' });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: webgpuArgs });
  const tilePx = Number(values.tile);
  const measured: Record<string, unknown>[] = [];
  try {
    for (const size of values.sizes.split(',').map(Number)) {
      for (const mode of ['whole', 'tiled'] as const) {
        // A fresh page (and worker) per run: onnxruntime's buffer cache from an earlier run would hide allocations.
        const page = await browser.newPage();
        await page.goto(`http://localhost:${port}/?model=${encodeURIComponent(values.model)}`);
        const loaded = () => page.waitForFunction(() => window.sdxl?.model?.() !== undefined, null, { timeout: 600_000 });
        await acceptLink(page, loaded);
        await loaded();
        const request = { prompt: 'a lighthouse on a cliff at sunset', width: size, height: size, steps: Number(values.steps), cfg_scale: 1, seed: 1 };
        const options = { vaeTiling: mode === 'whole' ? 'off' as const : { tileSize: tilePx } };
        await page.evaluate(([r, o]) => window.sdxl.generate(r, o), [request, options] as const);
        const s = (await page.evaluate(() => window.sdxl.stats()))!;
        measured.push({
          size, mode, tile_px: mode === 'tiled' ? tilePx : null, vae_calls: s.vae_tiles?.calls ?? 1,
          peak_gpu_mb: s.peak_gpu_mb, vae_peak_gpu_mb: s.vae_peak_gpu_mb, vae_decode_ms: Math.round(s.vae_decode_ms),
          tiny_estimate_largest_buffer_mb: mb(vaeDecoderLargestBuffer({ blockOutChannels: [32, 32, 64, 64] }, mode === 'whole' ? size / 8 : Math.min(size, tilePx) / 8, mode === 'whole' ? size / 8 : Math.min(size, tilePx) / 8, 'fp32').largestBytes),
        });
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
  results.tiny_model_webgpu = measured;
}
console.log(JSON.stringify(results, null, 2));
