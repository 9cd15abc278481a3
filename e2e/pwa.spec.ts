// The installable offline app: the service worker's shell and wasm caches, offline generation from the model store,
// the update prompt (build A → build B) without interrupting a generation, a sub-path deploy, and installability.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type Page } from '@playwright/test';
import { chromiumPath, STATIC_PORT, webgpuArgs } from './browser';
import { serviceWorkerControls } from './service-worker';
import { startStaticSite, type StaticSite } from './static-site';

const SEEDED = { prompt: 'a lighthouse in a storm', width: 64, height: 64, steps: 4, cfg_scale: 3, seed: 4242 };

/** Every URL in every Cache Storage cache of the page's origin, by cache. */
const cachedUrls = (page: Page) => page.evaluate(async () => {
  const out: Record<string, string[]> = {};
  for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map((r) => r.url);
  return out;
});

test('offline: reload with the network off, load the stored model, and get the same image', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?ep=wasm');
  await serviceWorkerControls(page);
  const loaded = await page.evaluate(() => window.sdxl.loadModel('./models/tiny-sdxl/'));
  expect(loaded.cached).toBe(true);
  const stored = await page.evaluate(() => window.sdxl.cachedModels());
  expect(stored).toHaveLength(1);
  const online = await page.evaluate((r) => window.sdxl.generate(r), SEEDED);

  // The worker caches the shell and one wasm build; no model byte and no Hub request is in any cache.
  const caches = await cachedUrls(page);
  const all = Object.values(caches).flat();
  expect(all.some((u) => u.includes('/index.html'))).toBe(true);
  expect(all.filter((u) => u.includes('/models/'))).toEqual([]);
  expect(caches['ort-wasm']).toHaveLength(1);
  expect(caches['ort-wasm']![0]).toMatch(/ort-wasm-simd-threaded\.jspi-[\w-]+\.wasm$/);
  expect(all.filter((u) => u.endsWith('.wasm'))).toHaveLength(1);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('model-panel')).toBeVisible();
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);
  const again = await page.evaluate((id) => window.sdxl.loadModel(id), stored[0]!.id);
  expect(again.cached).toBe(true);
  const offline = await page.evaluate((r) => window.sdxl.generate(r), SEEDED);
  expect(offline.images[0]!.seed).toBe(4242);
  expect(offline.images[0]!.image_b64).toBe(online.images[0]!.image_b64);
  await context.close();
});

test('installable: Chromium finds no installability errors; the manifest has what stores and launchers need', async ({ baseURL }) => {
  // Chromium never offers installation in an incognito-like context, so this one has a profile on disk.
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'sdxl-profile-')), { executablePath: chromiumPath, args: webgpuArgs, baseURL });
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto('/');
  await serviceWorkerControls(page);
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  expect(installabilityErrors).toEqual([]);
  const manifest = await (await page.request.get('/manifest.webmanifest')).json() as Record<string, unknown> & { icons: { src: string; sizes: string; purpose: string }[] };
  expect(manifest).toMatchObject({ name: 'SDXL Lightning Web', short_name: 'SDXL Lightning', display: 'standalone', start_url: './', scope: './' });
  expect(manifest.icons.map((i) => `${i.sizes} ${i.purpose}`)).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
  for (const icon of manifest.icons) expect((await page.request.get(`/${icon.src}`)).headers()['content-type']).toBe('image/png');
  await context.close();
});

test.describe('a static host under a sub-path (no headers), build A then build B', () => {
  let site: StaticSite;
  const builds: Record<'A' | 'B', string> = { A: '', B: '' };
  test.beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdxl-builds-'));
    for (const id of ['A', 'B'] as const) {
      builds[id] = join(dir, id);
      execFileSync('npx', ['vite', 'build', '--logLevel', 'error', '--outDir', builds[id]], { env: { ...process.env, SDXL_BUILD_ID: `build-${id}` }, stdio: 'inherit' });
    }
    site = await startStaticSite(STATIC_PORT, '/sdxl/');
    site.setRoot(builds.A);
  });
  test.afterAll(() => site.close());

  test('works from /sdxl/, isolates itself through the worker, and updates only when asked and idle', async ({ browser }) => {
    test.setTimeout(600_000); // the long run below, on a loaded 2-core machine
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site.url}?ep=wasm`);
    await serviceWorkerControls(page);
    expect(await page.evaluate(() => window.sdxl.version())).toBe('build-A');
    // A static host sends no COOP/COEP; once the worker serves the page, it adds them (wasm threads).
    const engineWorker = page.waitForEvent('worker');
    await page.reload();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // Nor a CSP header, which a worker script needs (the page's meta does not reach it): the service worker adds it, so
    // the engine's worker refuses eval too. (From a timer: code Playwright evaluates directly is exempt.)
    const worker = await engineWorker;
    await worker.evaluate(() => void setTimeout(() => {
      const g = self as unknown as { evalRefused?: boolean };
      try {
        g.evalRefused = new Function('return false')() as boolean;
      } catch {
        g.evalRefused = true;
      }
    }));
    await expect.poll(() => worker.evaluate(() => (self as unknown as { evalRefused?: boolean }).evalRefused)).toBe(true);

    await page.evaluate(() => window.sdxl.loadModel('./models/tiny-sdxl/'));
    const first = await page.evaluate((r) => window.sdxl.generate(r), SEEDED);
    expect(first.images).toHaveLength(1);

    // A long generation runs while build B appears on the server: long enough (128² × 200 steps, ~40 s on an idle
    // machine) that it is still running when the update is found and accepted (a 64² × 120-step run once finished first).
    await page.evaluate(() => void window.sdxl.generate({ prompt: 'a long run', width: 128, height: 128, steps: 200, cfg_scale: 3, seed: 77 }));
    await expect(page.getByTestId('progress')).toBeVisible();
    site.setRoot(builds.B);
    await page.evaluate(() => window.sdxl.checkForUpdate());
    const banner = page.getByTestId('update-banner');
    await expect(banner).toContainText('A new version is ready', { timeout: 60_000 });
    const reloaded = page.waitForEvent('load', { timeout: 300_000 });
    await page.getByTestId('update-reload').click();
    // The click does not reload under the running generation: the banner says it waits.
    await expect(banner).toContainText('when the current generation has finished');
    await reloaded;
    await expect.poll(() => page.evaluate(() => window.sdxl?.version()), { timeout: 30_000 }).toBe('build-B');
    // The long run finished and was kept: both results are in the history of build B's page.
    await expect(page.getByTestId('result')).toHaveCount(2, { timeout: 30_000 });
    // Build A's files left the caches when B activated: every cached URL is a file of build B.
    const cached = Object.values(await cachedUrls(page)).flat().map((u) => new URL(u).pathname.slice('/sdxl/'.length));
    expect(cached.length).toBeGreaterThan(10);
    expect(cached.filter((rel) => !existsSync(join(builds.B, rel)))).toEqual([]);
    await context.close();
  });
});
