// `npm run bench -- --batching`: CFG as one batch-2 UNet call against two batch-1 calls, and num_images as one batched call per step against one image after another.
import type { Browser } from '@playwright/test';
import { acceptLink } from '../e2e/accept-link';
import type { GenerationStats } from '../src/worker/protocol';

interface Variant {
  name: string;
  request: Record<string, unknown>;
  options: { cfgBatch?: 'batched' | 'split'; imageBatch?: 'sequential' | 'batched' };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const round = (x: number) => Math.round(x * 10) / 10;

function variants(size: number, steps: number): Variant[] {
  const base = { prompt: 'a lighthouse on a cliff at sunset', width: size, height: size, steps, cfg_scale: 3, seed: 1 };
  const two = { ...base, num_images: 2 };
  return [
    { name: 'cfg_batch2', request: base, options: { cfgBatch: 'batched' } },
    { name: 'cfg_split_2x_batch1', request: base, options: { cfgBatch: 'split' } },
    { name: 'images2_sequential', request: two, options: { imageBatch: 'sequential' } },
    { name: 'images2_one_batched_call', request: two, options: { imageBatch: 'batched' } },
  ];
}

/**
 * Per provider and size, each variant runs once to warm up (new batch sizes compile new shaders on WebGPU) and then
 * `runs` times; medians of the total, of the UNet time per step and of the time inside session.run.
 */
export async function benchBatching(
  browser: Browser, appUrl: string, opts: { providers: string[]; sizes: number[]; steps: number; runs: number; model: string; build: string },
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { steps: opts.steps, cfg_scale: 3, runs: opts.runs };
  for (const provider of opts.providers) {
    const page = await browser.newPage();
    await page.goto(`${appUrl}?model=${encodeURIComponent(opts.model)}${provider === 'wasm' ? '&ep=wasm' : ''}&ort=${opts.build}`);
    const loaded = () => page.waitForFunction(() => window.sdxl?.model?.() !== undefined, null, { timeout: 600_000 });
    await acceptLink(page, loaded);
    await loaded();
    for (const size of opts.sizes) {
      const rows: Record<string, unknown> = {};
      for (const v of variants(size, opts.steps)) {
        console.error(`[bench] batching ${provider} ${size}px ${v.name}`);
        const measured: GenerationStats[] = [];
        for (let i = 0; i <= opts.runs; i++) {
          await page.evaluate(([r, o]) => window.sdxl.generate(r as never, o), [v.request, v.options] as const);
          if (i > 0) measured.push((await page.evaluate(() => window.sdxl.stats()))!);
        }
        const unetSum = (s: GenerationStats) => s.unet_ms_per_call.reduce((a, b) => a + b, 0);
        rows[v.name] = {
          total_ms_median: round(median(measured.map((s) => s.total_ms))),
          unet_calls: measured[0]!.unet_ms_per_call.length,
          unet_ms_per_call_median: round(median(measured.flatMap((s) => s.unet_ms_per_call))),
          unet_ms_per_image_step: round(median(measured.map((s) => unetSum(s) / s.denoise_steps))),
          session_run_ms_median: round(median(measured.map((s) => s.session_run_ms))),
          dispatches_per_unet_call: measured[0]!.dispatches_per_unet_call,
          peak_gpu_mb: measured[0]!.peak_gpu_mb,
        };
        // Each row as it is measured, so a long sweep that is stopped still leaves its figures.
        console.error(`[bench] ${JSON.stringify({ [`${provider}/${size}px/${v.name}`]: rows[v.name] })}`);
      }
      out[`${provider}/${size}px`] = rows;
    }
    await page.close();
  }
  return out;
}
