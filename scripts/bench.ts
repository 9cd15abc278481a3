// `npm run bench`: builds the app, serves it, and times the tiny model in headless Chromium on WebGPU and on wasm.
// Prints JSON: model load, text encode, UNet per call, VAE decode and the pipeline's own overhead (total − session.run);
// then, for a synthetic model of --load-mb MB with sharded external data served by the fake Hub: download, the cached
// load against a raw read of the same bytes from storage, and the worker's peak JS heap during the load; and start-up
// times with the service worker (empty cache, warm, offline) against the HTTP cache alone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { acceptLink } from '../e2e/accept-link';
import { chromiumPath, webgpuArgs } from '../e2e/browser';
import { FakeHub, serve } from '../e2e/hub-server';
import { benchBatching } from './bench-batching';
import { benchStartup } from './bench-startup';
import { rawOpfsRead, workerHeapSampler } from './browser/load-measures';
import { syntheticModel } from './synthetic-model';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    steps: { type: 'string', default: '4' },
    size: { type: 'string', default: '64' },
    cfg: { type: 'string', default: '3' },
    providers: { type: 'string', default: 'webgpu,wasm' },
    model: { type: 'string', default: '/models/tiny-sdxl/' },
    'load-mb': { type: 'string', default: '400' },
    // SwiftShader takes many minutes to create WebGPU sessions with 100 MB tensors: WebGPU load figures need a GPU.
    'load-providers': { type: 'string', default: 'wasm' },
    // onnxruntime-web builds to compare: JSPI (16.8 MB wasm) and asyncify (26.8 MB).
    'ort-builds': { type: 'string', default: 'jspi,asyncify' },
    'skip-generation': { type: 'boolean', default: false },
    // Where the WebGPU denoise loop runs: 'device' (GPU-resident, the default) and/or 'cpu' (?loop=cpu, the JS loop).
    loops: { type: 'string', default: 'device' },
    // WebGPU variants also run with the UNet's graph captured (?capture=1); --skip-capture skips that.
    'skip-capture': { type: 'boolean', default: false },
    // Start-up with the service worker (empty cache, warm, offline) against the HTTP cache alone.
    'startup-runs': { type: 'string', default: '3' },
    // CFG batch-2 vs 2× batch-1, num_images batched vs sequential (scripts/bench-batching.ts), at these sizes.
    batching: { type: 'boolean', default: false },
    'batching-sizes': { type: 'string', default: '64,128' },
    'batching-providers': { type: 'string', default: 'webgpu,wasm' },
    'batching-steps': { type: 'string', default: '2' },
    'batching-runs': { type: 'string', default: '2' },
  },
});
// Ports move with E2E_PORT_OFFSET, as the e2e tests' do, so checkouts can bench side by side.
const OFFSET = Number(process.env.E2E_PORT_OFFSET ?? 0);
const APP_PORT = 4174 + OFFSET;
const LOAD_HUB_PORT = 4181 + OFFSET;
const runs = Number(values.runs);
const size = Number(values.size);
const request = { prompt: 'a lighthouse on a cliff at sunset', width: size, height: size, steps: Number(values.steps), cfg_scale: Number(values.cfg), seed: 1 };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const round = (x: number) => Math.round(x * 10) / 10;

// The cached-load bench serves its model from a local Hub stand-in: the build's CSP must allow it.
process.env.SDXL_CONNECT_SRC = [process.env.SDXL_CONNECT_SRC, `http://localhost:${LOAD_HUB_PORT}`].filter(Boolean).join(' ');
await build({ logLevel: 'warn' });
const server = await preview({ preview: { port: APP_PORT, strictPort: true }, logLevel: 'warn' });
const browser = await chromium.launch({ executablePath: chromiumPath, args: webgpuArgs });

/** `runs` generations after a warm-up one on a page with ?capture=1: the UNet's encode CPU ms, and the last image. */
async function captureRuns(url: string, uncapturedImage: string) {
  const page = await browser.newPage();
  await page.goto(`${url}&capture=1`);
  const loaded = () => page.waitForFunction(() => window.sdxl?.model?.() !== undefined, null, { timeout: 600_000 });
  await acceptLink(page, loaded);
  await loaded();
  const encodeMs: number[] = [];
  let image = '';
  let dispatches: number | null | undefined;
  for (let i = 0; i <= runs; i++) {
    image = await page.evaluate(async (r) => (await window.sdxl.generate(r)).images[0]!.image_b64, request);
    const stats = (await page.evaluate(() => window.sdxl.stats()))!;
    if (i > 0) encodeMs.push(...(stats.unet_encode_cpu_ms ?? []));
    dispatches = stats.dispatches_per_unet_call;
  }
  await page.close();
  return { encodeMs, sameImage: image === uncapturedImage, dispatches };
}

const results: Record<string, unknown> = { request, runs, machine: { chromium: browser.version() } };
try {
  const variants = values.providers.split(',').flatMap((provider) => values['ort-builds'].split(',').map((build) => ({ provider, build })));
  // The JS loop on WebGPU is a variant of its own (wasm has no device loop to compare with).
  const generationVariants = variants.flatMap((v) => values.loops.split(',').filter((l) => l === 'device' || v.provider === 'webgpu').map((loop) => ({ ...v, loop })));
  for (const { provider, build, loop } of values['skip-generation'] ? [] : generationVariants) {
    const page = await browser.newPage();
    const url = `http://localhost:${APP_PORT}/?model=${encodeURIComponent(values.model)}${provider === 'wasm' ? '&ep=wasm' : ''}&ort=${build}${loop === 'cpu' ? '&loop=cpu' : ''}`;
    await page.goto(url);
    const loaded = () => page.waitForFunction(() => window.sdxl?.model?.() !== undefined, null, { timeout: 600_000 });
    await acceptLink(page, loaded);
    await loaded();
    const model = await page.evaluate(() => window.sdxl.model()!);
    const adapter = await page.evaluate(() => window.sdxl.adapter());
    const measured = [];
    let image = '';
    // The first generation compiles shaders / warms caches; it is reported separately.
    for (let i = 0; i <= runs; i++) {
      image = await page.evaluate(async (r) => (await window.sdxl.generate(r)).images[0]!.image_b64, request);
      measured.push((await page.evaluate(() => window.sdxl.stats()))!);
    }
    const [first, ...rest] = measured;
    const unetCalls = rest.flatMap((s) => s.unet_ms_per_call);
    const encodeMs = rest.flatMap((s) => s.unet_encode_cpu_ms ?? []);
    const last = rest[rest.length - 1]!;
    const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize);
    // The same generations with the UNet's graph captured (WebGPU only): its encode time, and whether the images match.
    const captured = provider === 'webgpu' && !values['skip-capture'] ? await captureRuns(url, image) : undefined;
    results[`${provider}/${build}${loop === 'cpu' ? '/loop=cpu' : ''}`] = {
      ort_build: model.ortBuild,
      adapter: adapter.provider === 'webgpu' ? `${adapter.vendor} ${adapter.architecture}` : 'wasm',
      model_load_ms: round(model.load_ms),
      first_generation_ms: round(first!.total_ms),
      total_ms_median: round(median(rest.map((s) => s.total_ms))),
      text_encode_ms_median: round(median(rest.map((s) => s.text_encode_ms))),
      unet_ms_per_call_median: round(median(unetCalls)),
      unet_calls_per_generation: rest[0]?.unet_ms_per_call.length,
      vae_decode_ms_median: round(median(rest.map((s) => s.vae_decode_ms))),
      pipeline_overhead_ms_median: round(median(rest.map((s) => s.pipeline_overhead_ms))),
      // The GPU-work figures (README, Performance: what each one counts and how).
      denoise_loop: last.denoise_loop,
      readbacks_per_step: last.readbacks_per_step,
      uploads_per_step: last.uploads_per_step,
      dispatches_per_unet_call: last.dispatches_per_unet_call,
      unet_encode_cpu_ms: {
        no_capture: encodeMs.length ? round(median(encodeMs)) : null,
        capture: captured ? round(median(captured.encodeMs)) : null,
        ...(encodeMs.length ? {} : { no_capture_reason: 'not counted: no JS WebGPU device (wasm EP)' }),
        ...(captured ? { capture_same_image: captured.sameImage, capture_dispatches_per_unet_call: captured.dispatches } : { capture_reason: provider === 'webgpu' ? 'skipped (--skip-capture)' : 'graph capture is a WebGPU EP feature' }),
      },
      overhead_pct: round(median(rest.map((s) => (100 * s.pipeline_overhead_ms) / s.total_ms))),
      peak_gpu_mb: last.peak_gpu_mb,
      js_heap_mb: heap ? round(heap / 1e6) : undefined,
    };
    await page.close();
  }
  if (values.batching) {
    results.batching = await benchBatching(browser, `http://localhost:${APP_PORT}/`, {
      providers: values['batching-providers'].split(','), sizes: values['batching-sizes'].split(',').map(Number), steps: Number(values['batching-steps']),
      runs: Number(values['batching-runs']), model: values.model, build: values['ort-builds'].split(',')[0]!,
    });
  }
  if (Number(values['startup-runs']) > 0) results.startup = await benchStartup(browser, `http://localhost:${APP_PORT}/`, Number(values['startup-runs']));
  if (Number(values['load-mb']) > 0) results.cached_load = await benchCachedLoad(Number(values['load-mb']) * 1e6, variants.filter((v) => values['load-providers'].split(',').includes(v.provider)));
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
console.log(JSON.stringify(results, null, 2));

/** Download, cached load and raw storage read of a synthetic model with sharded external data. */
async function benchCachedLoad(unetBytes: number, variants: { provider: string; build: string }[]): Promise<Record<string, unknown>> {
  const files = await syntheticModel(unetBytes, 150e6);
  const hub = new FakeHub(new Map([['bench/synthetic', files]]));
  const stop = await serve(hub, LOAD_HUB_PORT);
  const profile = await mkdtemp(join(tmpdir(), 'sdxl-bench-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: webgpuArgs });
  const out: Record<string, unknown> = {
    model_mb: round([...files.values()].reduce((n, b) => n + b.length, 0) / 1e6),
    unet_shards: [...files.keys()].filter((p) => p.startsWith('unet/model.onnx_data')).length,
  };
  try {
    for (const { provider, build } of variants) {
      const app = `http://localhost:${APP_PORT}/?hub=${encodeURIComponent(`http://localhost:${LOAD_HUB_PORT}`)}${provider === 'wasm' ? '&ep=wasm' : ''}&ort=${build}`;
      let page = await context.newPage();
      await page.goto(app);
      await acceptLink(page, () => new Promise(() => undefined)); // ?hub= always asks
      const t0 = Date.now();
      console.error(`[bench] ${provider}: downloading ${out.model_mb} MB and loading`);
      await page.evaluate(() => window.sdxl.loadModel('bench/synthetic'));
      const firstLoad = Date.now() - t0;
      await page.close();
      // A fresh page: everything comes from storage now.
      page = await context.newPage();
      await page.goto(app);
      await acceptLink(page, () => new Promise(() => undefined));
      await page.waitForFunction(() => window.sdxl !== undefined);
      await page.evaluate(() => window.sdxl.adapter());
      console.error(`[bench] ${provider}: cached load`);
      const heap = await workerHeapSampler(page);
      const report = await page.evaluate(() => window.sdxl.loadModel('bench/synthetic'));
      const peakHeapMb = await heap();
      const stored = await page.evaluate(() => window.sdxl.cachedModels());
      const raw = await rawOpfsRead(page, stored.find((m) => m.id.startsWith('bench-synthetic'))?.id ?? 'bench-synthetic');
      out[`${provider}/${build}`] = {
        ort_build: report.ortBuild,
        download_or_first_load_ms: firstLoad,
        cached_load_ms: round(report.load_ms),
        raw_storage_read_ms: round(raw.ms),
        raw_read_mb_per_s: round(raw.bytes / 1e6 / (raw.ms / 1000)),
        peak_worker_js_heap_mb: peakHeapMb,
      };
      await page.close();
    }
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
    await stop();
  }
  return out;
}
