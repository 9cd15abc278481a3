// `npm run soak`: builds and serves the app, then drives headless Chromium through many generations in a row (wasm EP,
// then WebGPU on SwiftShader where there is no GPU) with the tiny model, mixing text-to-image, image-to-image,
// inpainting and outpainting over several samplers. Prints one JSON object: page and worker JS heap after GC (growth
// after warm-up), onnxruntime tensors created vs disposed, GPU buffers alive, and history entries against the
// newest-50 rule. Exits non-zero when any limit is broken. Flags: --wasm N --webgpu M --warmup W --no-build.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from '@playwright/test';
import { build, preview } from 'vite';
import { chromiumPath, webgpuArgs } from '../e2e/browser';
import { attachProbes, historyImages, type GpuBufferCounts } from './soak-probes';

const { values } = parseArgs({
  options: {
    wasm: { type: 'string', default: '200' },
    webgpu: { type: 'string', default: '20' },
    // Generations before the heap baseline (fewer when a run is too short to have that many: a quarter of it).
    warmup: { type: 'string', default: '20' },
    // Heaps are measured (after GC) every this many generations, besides after warm-up and at the end.
    every: { type: 'string', default: '20' },
    size: { type: 'string', default: '64' },
    steps: { type: 'string', default: '2' },
    port: { type: 'string', default: '4600' },
    model: { type: 'string', default: '/models/tiny-sdxl/' },
    // A generation that takes longer than this is reported as hung, and that EP's run stops there.
    'timeout-s': { type: 'string', default: '600' },
    'no-build': { type: 'boolean', default: false },
  },
});
const MAX_GROWTH = 0.1;
/** The history keeps every result (nothing is evicted without the user asking; the page holds only its 12 recent cards). */
const HISTORY_LIMIT = Number.POSITIVE_INFINITY;
const size = Number(values.size);
const port = Number(values.port);
const png = (name: string) => readFileSync(new URL(`../test-data/reference/images/${name}`, import.meta.url)).toString('base64');
const init = png('init_image.png');
const mask = png('mask.png');
const SAMPLERS = ['K_EULER', 'DDIM', 'DPM_PLUS_PLUS_2M_KARRAS', 'K_EULER_ANCESTRAL', 'UNI_PC'];
const MODES = ['txt2img', 'img2img', 'inpaint', 'outpaint'] as const;

/** The i-th request: modes and samplers cycle independently (4 × 5 combinations), a new seed each time. */
function requestFor(i: number): Record<string, unknown> {
  const mode = MODES[i % MODES.length]!;
  const base = { prompt: `soak ${i}: a lighthouse on a cliff`, width: size, height: size, steps: Number(values.steps), cfg_scale: 2, seed: 1000 + i, sampler: SAMPLERS[i % SAMPLERS.length] };
  if (mode === 'txt2img') return base;
  if (mode === 'img2img') return { ...base, init_image: init, strength: 0.7 };
  if (mode === 'inpaint') return { ...base, init_image: init, mask_image: mask, strength: 1 };
  return { ...base, init_image: init, mask_image: mask, outpainting: true };
}

const mb = (bytes: number) => Math.round(bytes / 1e4) / 100;
const growth = (from: number, to: number) => Math.round(((to - from) / from) * 1000) / 1000;

interface Sample { generation: number; page_heap_mb: number; worker_heap_mb: number; gpu_buffers_live?: number; history_entries: number }

async function soak(browser: Browser, provider: 'wasm' | 'webgpu', count: number, failures: string[]): Promise<Record<string, unknown>> {
  const warmup = Math.min(Number(values.warmup), Math.ceil(count / 4));
  const every = Number(values.every);
  const context = await browser.newContext();
  const page = await context.newPage();
  const fail = (what: string) => failures.push(`${provider}: ${what}`);
  try {
    await page.goto(`http://localhost:${port}/${provider === 'wasm' ? '?ep=wasm' : ''}`);
    await page.waitForFunction(() => window.sdxl !== undefined);
    const probes = await attachProbes(page);
    const gpuWatched = await probes.watchGpuBuffers();
    const adapter = await page.evaluate(() => window.sdxl.adapter());
    if (adapter.provider !== provider) fail(`asked for ${provider}, got ${adapter.provider} (${adapter.fallbackReason ?? ''})`);
    console.error(`[soak] ${provider}: loading ${values.model}`);
    const report = await page.evaluate((m) => window.sdxl.loadModel(m), values.model);

    const results: string[] = [];
    const samples: Sample[] = [];
    let maxTensorsLive = 0;
    let errors = 0;
    let tensors = { created: 0, disposed: 0 };
    const t0 = Date.now();
    const sample = async (generation: number) => {
      const s: Sample = {
        generation,
        page_heap_mb: mb(await probes.pageHeapAfterGc()),
        worker_heap_mb: mb(await probes.workerHeapAfterGc()),
        history_entries: (await historyImages(page)).length,
      };
      const gpu = gpuWatched ? await probes.gpuBuffers() : undefined;
      if (gpu) s.gpu_buffers_live = gpu.live;
      samples.push(s);
      // Every result so far is in history, up to the newest HISTORY_LIMIT.
      if (s.history_entries !== Math.min(results.length, HISTORY_LIMIT)) fail(`after ${generation} generations history holds ${s.history_entries}, expected ${Math.min(results.length, HISTORY_LIMIT)}`);
      console.error(`[soak] ${provider} ${generation}/${count}: ${JSON.stringify(s)}`);
    };
    for (let i = 0; i < count; i++) {
      const request = requestFor(i);
      const started = Date.now();
      const timeoutMs = Number(values['timeout-s']) * 1000;
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<{ hung: true }>((resolve) => {
        timer = setTimeout(() => resolve({ hung: true }), timeoutMs);
      });
      const r = await Promise.race([hung, page.evaluate(async (req) => {
        try {
          return { image: (await window.sdxl.generate(req as never)).images[0]!.image_b64, stats: await window.sdxl.stats() };
        } catch (e) {
          return { error: e instanceof Error ? e.message : String(e) };
        }
      }, request)]);
      clearTimeout(timer);
      console.error(`[soak] ${provider} #${i + 1} ${MODES[i % MODES.length]} ${String(request.sampler)}: ${Date.now() - started} ms${'error' in r ? ` error: ${r.error}` : ''}`);
      if ('hung' in r) {
        errors++;
        fail(`generation ${i} (${MODES[i % MODES.length]}, ${request.sampler}) did not finish in ${timeoutMs / 1000} s; this EP's run stops here`);
        break;
      }
      if ('error' in r) {
        errors++;
        fail(`generation ${i} (${MODES[i % MODES.length]}, ${request.sampler}) failed: ${r.error}`);
        continue;
      }
      results.push(r.image);
      if (r.stats?.tensors) {
        tensors = r.stats.tensors;
        maxTensorsLive = Math.max(maxTensorsLive, tensors.created - tensors.disposed);
      }
      const n = i + 1;
      if (n === 1 || n === warmup || n === HISTORY_LIMIT || n % every === 0 || n === count) await sample(n);
    }
    const seconds = (Date.now() - t0) / 1000;

    // The newest HISTORY_LIMIT results, newest first, are exactly what history holds.
    const stored = await historyImages(page);
    const expected = results.slice(-HISTORY_LIMIT).reverse();
    const historyMatches = stored.length === expected.length && stored.every((b64, k) => b64 === expected[k]);
    if (!historyMatches) fail(`history holds ${stored.length} entries that are not the newest ${expected.length} results in order`);

    if (samples.length === 0) await sample(results.length);
    const base = samples.find((s) => s.generation === warmup) ?? samples[0]!;
    const last = samples[samples.length - 1]!;
    // The page holds the newest HISTORY_LIMIT results by design: it is flat from the moment its history is full (when the
    // run gets there), so its baseline is the later of warm-up and a full history.
    const pageBase = samples.find((s) => s.generation === Math.max(warmup, HISTORY_LIMIT) && s.generation < last.generation) ?? base;
    const pageGrowth = growth(pageBase.page_heap_mb, last.page_heap_mb);
    const workerGrowth = growth(base.worker_heap_mb, last.worker_heap_mb);
    if (results.length > warmup) {
      if (pageGrowth >= MAX_GROWTH) fail(`page JS heap grew ${(pageGrowth * 100).toFixed(1)} % after generation ${pageBase.generation} (limit ${MAX_GROWTH * 100} %)`);
      if (workerGrowth >= MAX_GROWTH) fail(`worker JS heap grew ${(workerGrowth * 100).toFixed(1)} % after warm-up (limit ${MAX_GROWTH * 100} %)`);
    }
    if (tensors.created !== tensors.disposed) fail(`${tensors.created - tensors.disposed} onnxruntime tensors never disposed`);
    const gpu: GpuBufferCounts | undefined = gpuWatched ? await probes.gpuBuffers() : undefined;
    if (provider === 'webgpu' && gpu && base.gpu_buffers_live !== undefined && gpu.live > base.gpu_buffers_live) {
      fail(`GPU buffers alive grew from ${base.gpu_buffers_live} after warm-up to ${gpu.live}`);
    }
    return {
      generations: count,
      completed: results.length,
      errors,
      seconds: Math.round(seconds),
      per_generation_ms: Math.round((seconds * 1000) / Math.max(1, count)),
      worker: probes.workerUrl,
      adapter: adapter.provider === 'webgpu' ? `${adapter.vendor ?? ''} ${adapter.architecture ?? ''}`.trim() : 'wasm',
      model_load_ms: Math.round(report.load_ms),
      warmup,
      heap_after_gc_mb: {
        page: {
          after_warmup: base.page_heap_mb, growth_from_warmup: growth(base.page_heap_mb, last.page_heap_mb),
          baseline_generation: pageBase.generation, baseline: pageBase.page_heap_mb, end: last.page_heap_mb, growth: pageGrowth,
        },
        worker: { after_warmup: base.worker_heap_mb, end: last.worker_heap_mb, growth: workerGrowth },
      },
      ort_tensors: { ...tensors, live_at_end: tensors.created - tensors.disposed, max_live_between_runs: maxTensorsLive },
      gpu_buffers: gpu ? { ...gpu, live_after_warmup: base.gpu_buffers_live, liveMB: mb(gpu.liveBytes) } : 'not watched (no WebGPU in the worker)',
      history: { entries: stored.length, expected: expected.length, newest_results_in_order: historyMatches },
      samples,
    };
  } finally {
    await context.close();
  }
}

if (!values['no-build']) await build({ logLevel: 'warn' });
const server = await preview({ preview: { port, strictPort: true }, logLevel: 'warn' });
const browser = await chromium.launch({ executablePath: chromiumPath, args: webgpuArgs });
const failures: string[] = [];
const out: Record<string, unknown> = {
  command: `npm run soak -- --wasm ${values.wasm} --webgpu ${values.webgpu} --warmup ${values.warmup} --size ${size} --steps ${values.steps}`,
  chromium: browser.version(),
  limits: { heap_growth_after_warmup: MAX_GROWTH, history_keeps: HISTORY_LIMIT },
};
try {
  for (const provider of ['wasm', 'webgpu'] as const) {
    const count = Number(values[provider]);
    if (count > 0) out[provider] = await soak(browser, provider, count, failures);
  }
} catch (e) {
  failures.push(`soak stopped: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
out.ok = failures.length === 0;
out.failures = failures;
console.log(JSON.stringify(out, null, 2));
process.exitCode = failures.length === 0 ? 0 : 1;
