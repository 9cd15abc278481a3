// Start-up with and without the service worker: time to interactive (the page API answers, the adapter is known) and
// to ready (the stored tiny model loaded), for an empty cache, a warm cache, a warm cache without the worker, offline.
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { serviceWorkerControls } from '../e2e/service-worker';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** ms from navigation start until the page API answers and the adapter badge has its answer; then until the model loads. */
async function timeStart(page: Page, url: string, modelId?: string): Promise<{ interactive_ms: number; model_ready_ms?: number }> {
  await page.goto(url);
  await page.waitForFunction(() => window.sdxl !== undefined && document.querySelector('[data-testid=adapter]')?.textContent !== 'Detecting GPU…', null, { polling: 10, timeout: 120_000 });
  const interactive = await page.evaluate(() => performance.now());
  if (!modelId) return { interactive_ms: Math.round(interactive) };
  await page.evaluate((id) => window.sdxl.loadModel(id), modelId);
  return { interactive_ms: Math.round(interactive), model_ready_ms: Math.round(await page.evaluate(() => performance.now())) };
}

export async function benchStartup(browser: Browser, appUrl: string, runs: number): Promise<Record<string, unknown>> {
  const url = `${appUrl}?ep=wasm`;
  const rows: Record<string, { interactive_ms: number; model_ready_ms?: number }[]> = { empty_cache: [], warm_service_worker: [], warm_http_cache_no_service_worker: [], offline_service_worker: [] };
  for (let i = 0; i < runs; i++) {
    // Empty cache: a fresh profile, first visit (the model comes from the preview server and is stored).
    let context: BrowserContext = await browser.newContext();
    let page = await context.newPage();
    rows.empty_cache!.push(await timeStart(page, url));
    await serviceWorkerControls(page);
    const id = (await page.evaluate(async () => {
      await window.sdxl.loadModel('./models/tiny-sdxl/');
      return window.sdxl.cachedModels();
    }))[0]!.id;
    await page.close();
    // Warm: the worker serves the shell and the wasm; the model comes from OPFS.
    page = await context.newPage();
    rows.warm_service_worker!.push(await timeStart(page, url, id));
    await page.close();
    // Offline, same profile.
    await context.setOffline(true);
    page = await context.newPage();
    rows.offline_service_worker!.push(await timeStart(page, url, id));
    await context.close();
    // The same warm visit without a service worker: only the browser's HTTP cache.
    context = await browser.newContext({ serviceWorkers: 'block' });
    page = await context.newPage();
    await timeStart(page, url);
    await page.evaluate(() => window.sdxl.loadModel('./models/tiny-sdxl/'));
    await page.close();
    page = await context.newPage();
    rows.warm_http_cache_no_service_worker!.push(await timeStart(page, url, id));
    await context.close();
  }
  return Object.fromEntries(Object.entries(rows).map(([k, xs]) => [k, {
    interactive_ms_median: median(xs.map((x) => x.interactive_ms)),
    ...(xs.some((x) => x.model_ready_ms !== undefined) ? { model_ready_ms_median: median(xs.map((x) => x.model_ready_ms!)) } : {}),
    runs: xs.length,
  }]));
}
