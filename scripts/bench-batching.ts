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
 * `runs` times, interleaved; medians of the total, of the UNet time per image-step and of the time inside session.run.
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
      const list = variants(size, opts.steps);
      const measured = new Map<string, GenerationStats[]>(list.map((v) => [v.name, []]));
      const generate = (v: Variant) => page.evaluate(([r, o]) => window.sdxl.generate(r as never, o), [v.request, v.options] as const);
      // Each variant once to warm up, then the variants in turn, run after run: a load that drifts (a shared machine)
      // touches them all alike.
      for (const v of list) await generate(v);
      for (let i = 0; i < opts.runs; i++) {
        for (const v of list) {
          console.error(`[bench] batching ${provider} ${size}px ${v.name} run ${i + 1}/${opts.runs}`);
          await generate(v);
          measured.get(v.name)!.push((await page.evaluate(() => window.sdxl.stats()))!);
        }
      }
      const rows: Record<string, unknown> = {};
      for (const v of list) {
        const stats = measured.get(v.name)!;
        const unetSum = (s: GenerationStats) => s.unet_ms_per_call.reduce((a, b) => a + b, 0);
        rows[v.name] = {
          total_ms_median: round(median(stats.map((s) => s.total_ms))),
          unet_calls: stats[0]!.unet_ms_per_call.length,
          unet_ms_per_call_median: round(median(stats.flatMap((s) => s.unet_ms_per_call))),
          unet_ms_per_image_step: round(median(stats.map((s) => unetSum(s) / s.denoise_steps))),
          session_run_ms_median: round(median(stats.map((s) => s.session_run_ms))),
          dispatches_per_unet_call: stats[0]!.dispatches_per_unet_call,
          peak_gpu_mb: stats[0]!.peak_gpu_mb,
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
