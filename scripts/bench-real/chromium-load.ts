// `bench:real --providers chromium-webgpu`: the real-size components loaded in Chromium (WebGPU; SwiftShader here)
// through the app's own path: a folder copied into OPFS (hashed as it copies), then a fresh page loading it from OPFS,
// timed against a raw read of the same stored bytes, with the worker's peak JS heap and each browser process's peak RSS.
// Load only: nothing runs, so the per-step keys are null with the reason.
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { openDrawer } from '../../e2e/app-page';
import { chromiumPath, webgpuArgs } from '../../e2e/browser';
import { processRssSampler, rawOpfsRead, workerHeapSampler } from '../browser/load-measures';
import { round } from './stats';

export interface ChromiumLoadConfig {
  /** The skeleton's graphs and small files (…/sdxl-skeleton/<precision>). */
  skeleton: string;
  /** Where the filled data files are (…/<precision>). */
  data: string;
  /** Components loaded at real size; the rest come from `standIn` (a tiny model of the same layout). */
  real: readonly string[];
  standIn: string;
  port: number;
}

/** Every file under `dir`, relative paths. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name))]));
}

/** A folder the file input can take: hard links (the same bytes, no copy) to the real components and the stand-ins. */
function assemble(c: ChromiumLoadConfig): { dir: string; bytes: Record<string, number> } {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-chromium-load-'));
  const bytes: Record<string, number> = {};
  const put = (from: string, rel: string) => {
    const to = join(dir, 'model', rel);
    mkdirSync(dirname(to), { recursive: true });
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
    const component = rel.split('/')[0]!;
    bytes[component] = (bytes[component] ?? 0) + statSync(to).size;
  };
  const isComponent = (rel: string) => rel.includes('/') && ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder'].includes(rel.split('/')[0]!);
  for (const rel of walk(c.skeleton)) {
    if (rel === 'manifest.json' || rel.endsWith('.onnx_data') || rel.includes('.onnx_data_')) continue;
    if (!isComponent(rel) || c.real.includes(rel.split('/')[0]!)) put(join(c.skeleton, rel), rel);
  }
  for (const component of c.real) {
    for (const f of readdirSync(join(c.data, component)).filter((n) => n.startsWith('model.onnx_data'))) put(join(c.data, component, f), `${component}/${f}`);
  }
  for (const rel of walk(c.standIn)) if (isComponent(rel) && !c.real.includes(rel.split('/')[0]!)) put(join(c.standIn, rel), rel);
  return { dir: join(dir, 'model'), bytes };
}

export async function benchChromiumLoad(c: ChromiumLoadConfig, log: (s: string) => void): Promise<Record<string, unknown>> {
  const { dir, bytes } = assemble(c);
  const totalMb = Object.values(bytes).reduce((a, b) => a + b, 0) / 1e6;
  log(`chromium-webgpu: ${round(totalMb)} MB (${Object.entries(bytes).map(([k, v]) => `${k} ${round(v / 1e6)} MB`).join(', ')}), building the app`);
  await build({ logLevel: 'warn' });
  const server = await preview({ preview: { port: c.port, strictPort: true }, logLevel: 'warn' });
  const profile = mkdtempSync(join(tmpdir(), 'sdxl-chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: webgpuArgs });
  const app = `http://localhost:${c.port}/`;
  try {
    // 1. The folder copied into OPFS, then loaded from there (the first load).
    let page = await context.newPage();
    await page.goto(app);
    const adapter = await page.evaluate(() => window.sdxl.adapter());
    if (adapter.provider !== 'webgpu') throw new Error(`Chromium gave no WebGPU adapter (${adapter.provider})`);
    await openDrawer(page);
    await page.locator('details.model-body').evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await page.getByTestId('folder-import').check();
    log('chromium-webgpu: copying the folder into OPFS and loading it');
    let rss = processRssSampler(profile);
    const t0 = Date.now();
    await page.getByTestId('folder-input').setInputFiles(dir);
    const label = page.getByTestId('model-progress-label');
    const tell = setInterval(() => void label.textContent({ timeout: 1000 }).then((t) => log(`chromium-webgpu: ${Math.round((Date.now() - t0) / 1000)} s: ${t}`), () => undefined), 15_000);
    await page.getByTestId('model-state').filter({ hasText: /ready|error/ }).waitFor({ timeout: 3_600_000 }).finally(() => clearInterval(tell));
    const first = await page.evaluate(() => window.sdxl.model());
    if (!first) throw new Error(`the import failed: ${await page.getByTestId('model-progress-label').textContent()}`);
    const importAndLoadMs = Date.now() - t0;
    const importPeaks = rss();
    const cached = await page.evaluate(() => window.sdxl.cachedModels());
    const stored = cached.find((m) => m.source === 'a folder on this device') ?? cached[0];
    if (!stored) throw new Error('the imported model is not among the stored ones');
    await page.close();

    // 2. A fresh page: the model comes from OPFS only.
    page = await context.newPage();
    await page.goto(app);
    await page.evaluate(() => window.sdxl.adapter());
    log('chromium-webgpu: loading from OPFS');
    const heap = await workerHeapSampler(page);
    rss = processRssSampler(profile);
    const report = await page.evaluate((id) => window.sdxl.loadModel(id), stored.id);
    const peakHeap = await heap();
    const loadPeaks = rss();
    const raw = await rawOpfsRead(page, stored.id);
    await page.close();
    const notRun = 'load only: the real UNet is not loaded in Chromium here (see unet), so nothing is generated';
    return {
      mode: 'load only, through OPFS',
      adapter: `${adapter.vendor ?? ''} ${adapter.architecture ?? ''}`.trim(),
      ort_build: report.ortBuild,
      real_size_components: c.real,
      component_bytes: report.componentBytes,
      import_and_first_load_ms: importAndLoadMs,
      first_load_ms: round(first.load_ms),
      cached_load_ms: round(report.load_ms),
      raw_opfs_read_ms: round(raw.ms),
      raw_read_mb: round(raw.bytes / 1e6),
      raw_read_mb_per_s: round(raw.bytes / 1e6 / (raw.ms / 1000)),
      load_over_raw_read: round(report.load_ms / raw.ms),
      peak_worker_js_heap_mb: peakHeap ?? null,
      peak_rss_mb_by_process: { import_and_first_load: importPeaks, cached_load: loadPeaks },
      readbacks_per_step: null, uploads_per_step: null, dispatches_per_unet_call: null, unet_encode_cpu_ms: null, overhead_pct: null,
      peak_gpu_mb: null,
      not_measured: `${notRun}; on SwiftShader the GPU's buffers are host memory in the gpu-process (its peak RSS above)`,
    };
  } finally {
    await context.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    rmSync(profile, { recursive: true, force: true });
    rmSync(dirname(dir), { recursive: true, force: true });
  }
}

/** The components bench:real can load at real size in Chromium: those whose data is filled (the UNet never: below). */
export function chromiumRealComponents(data: string): string[] {
  return ['text_encoder', 'text_encoder_2', 'vae_decoder', 'vae_encoder'].filter((c) => existsSync(join(data, c, 'model.onnx_data')));
}
