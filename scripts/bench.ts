// `npm run bench`: builds the app, serves it, and times the tiny model in headless Chromium on WebGPU and on wasm.
// Prints JSON: model load, text encode, UNet per call, VAE decode and the pipeline's own overhead (total − session.run).
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { chromiumPath, webgpuArgs } from '../e2e/browser';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    steps: { type: 'string', default: '4' },
    size: { type: 'string', default: '64' },
    cfg: { type: 'string', default: '3' },
    providers: { type: 'string', default: 'webgpu,wasm' },
    model: { type: 'string', default: '/models/tiny-sdxl/' },
  },
});
const runs = Number(values.runs);
const size = Number(values.size);
const request = { prompt: 'a lighthouse on a cliff at sunset', width: size, height: size, steps: Number(values.steps), cfg_scale: Number(values.cfg), seed: 1 };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const round = (x: number) => Math.round(x * 10) / 10;

await build({ logLevel: 'warn' });
const server = await preview({ preview: { port: 4174, strictPort: true }, logLevel: 'warn' });
const browser = await chromium.launch({ executablePath: chromiumPath, args: webgpuArgs });

const results: Record<string, unknown> = { request, runs, machine: { chromium: browser.version() } };
try {
  for (const provider of values.providers.split(',')) {
    const page = await browser.newPage();
    const url = `http://localhost:4174/?model=${encodeURIComponent(values.model)}${provider === 'wasm' ? '&ep=wasm' : ''}`;
    await page.goto(url);
    await page.waitForFunction(() => window.sdxl?.model?.() !== undefined, null, { timeout: 600_000 });
    const model = await page.evaluate(() => window.sdxl.model()!);
    const adapter = await page.evaluate(() => window.sdxl.adapter());
    const measured = [];
    // The first generation compiles shaders / warms caches; it is reported separately.
    for (let i = 0; i <= runs; i++) {
      await page.evaluate((r) => window.sdxl.generate(r), request);
      measured.push((await page.evaluate(() => window.sdxl.stats()))!);
    }
    const [first, ...rest] = measured;
    const unetCalls = rest.flatMap((s) => s.unet_ms_per_call);
    const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize);
    results[provider] = {
      adapter: adapter.provider === 'webgpu' ? `${adapter.vendor} ${adapter.architecture}` : 'wasm',
      model_load_ms: round(model.load_ms),
      first_generation_ms: round(first!.total_ms),
      total_ms_median: round(median(rest.map((s) => s.total_ms))),
      text_encode_ms_median: round(median(rest.map((s) => s.text_encode_ms))),
      unet_ms_per_call_median: round(median(unetCalls)),
      unet_calls_per_generation: rest[0]?.unet_ms_per_call.length,
      vae_decode_ms_median: round(median(rest.map((s) => s.vae_decode_ms))),
      pipeline_overhead_ms_median: round(median(rest.map((s) => s.pipeline_overhead_ms))),
      js_heap_mb: heap ? round(heap / 1e6) : undefined,
    };
    await page.close();
  }
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
console.log(JSON.stringify(results, null, 2));
