// Cancel at every stage in the real app on the wasm EP, through window.sdxl: the download (then resumed), session
// creation, text encoding, each UNet step and the VAE decode. Each cancel comes from inside the progress callback, is
// answered with `cancelled` at once, and the next request's PNG is byte-identical to an uncancelled run.
import { expect, test, type Page } from '@playwright/test';
import { HUB_PORT } from './browser';
import { openWithHub } from './accept-link';

const HUB = `http://localhost:${HUB_PORT}`;
const APP = `/?ep=wasm&hub=${encodeURIComponent(HUB)}`;
const REPO = 'test/tiny-sdxl-cancel';
const STEPS = 3;
const REQUEST = { prompt: 'a lighthouse on a cliff', width: 64, height: 64, steps: STEPS, cfg_scale: 3, seed: 7 };
/** A cancel is answered within this (one stage of the tiny model takes a few ms; the rest is a loaded CI machine). */
const PROMPT_MS = 3000;
const hubFaults = (faults: object[]) => fetch(`${HUB}/__faults`, { method: 'POST', body: JSON.stringify(faults) });

test.describe.configure({ mode: 'serial' });
let page: Page;
let reference: string;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await openWithHub(page, APP);
  await page.waitForFunction(() => window.sdxl !== undefined);
});
test.afterAll(async () => {
  await hubFaults([]);
  await page.close();
});

/** Loads REPO, calling cancelLoad() from the progress callback when `when` says so; the outcome and its delay. */
function loadCancelling(when: 'download' | 'session'): Promise<{ code?: string; ms: number; last?: string }> {
  return page.evaluate(async ([repo, when]) => {
    let at: number | undefined;
    let last: string | undefined;
    try {
      await window.sdxl.loadModel(repo, (p) => {
        if (at !== undefined) return;
        const hit = when === 'download'
          ? p.stage === 'download' && p.files.some((f) => f.path === 'unet/model.onnx' && f.received > 256 * 1024)
          : p.stage === 'session' && p.component === 'unet' && p.received === 0;
        if (p.stage === 'session') last = p.component;
        if (!hit) return;
        at = performance.now();
        window.sdxl.cancelLoad();
      });
      return { ms: -1 };
    } catch (e) {
      return { code: (e as { code?: string }).code, ms: at === undefined ? -1 : performance.now() - at, last };
    }
  }, [REPO, when] as const);
}

test('cancel during the download, then during session creation; loading again resumes, verifies and loads', async () => {
  await hubFaults([{ path: 'unet/model.onnx', kind: 'slow', bytesPerSecond: 1_000_000 }]);
  const download = await loadCancelling('download');
  expect(download.code).toBe('cancelled');
  expect(download.ms).toBeGreaterThanOrEqual(0);
  expect(download.ms).toBeLessThan(PROMPT_MS);
  await hubFaults([]);

  // The download completes this time; the load stops at the UNet's session, and no model is loaded.
  const session = await loadCancelling('session');
  expect(session).toMatchObject({ code: 'cancelled', last: 'unet' });
  expect(session.ms).toBeLessThan(PROMPT_MS);
  expect(await page.evaluate(() => window.sdxl.model())).toBeUndefined();

  const report = await page.evaluate((repo) => window.sdxl.loadModel(repo), REPO);
  expect(report.cached).toBe(true);
  // Stored models are keyed by source: this Hub's copy lives in its own folder, found by its record id.
  const folder = await page.evaluate(async (id) => (await window.sdxl.cachedModels()).find((m) => m.recordId === id)?.id, report.record!.id);
  expect(folder).toBeDefined();
  expect(await page.evaluate((f) => window.sdxl.verifyModel(f), folder!)).toEqual({ ok: true, bad: [] });
  reference = await page.evaluate(async (r) => (await window.sdxl.generate(r)).images[0]!.image_b64, REQUEST);
});

/** Generates REQUEST, aborting from inside the progress callback at `at`; the error code, delay and events seen. */
function generateCancelling(at: string): Promise<{ code?: string; ms: number; events: string[] }> {
  return page.evaluate(async ([request, at]) => {
    const events: string[] = [];
    const controller = new AbortController();
    let cancelledAt: number | undefined;
    try {
      await window.sdxl.generate(request, {
        signal: controller.signal,
        onProgress: (p) => {
          const name = p.stage === 'denoise' ? `denoise ${p.step}` : p.stage;
          events.push(name);
          if (name !== at || cancelledAt !== undefined) return;
          cancelledAt = performance.now();
          controller.abort();
        },
      });
      return { ms: -1, events };
    } catch (e) {
      return { code: (e as { code?: string }).code, ms: cancelledAt === undefined ? -1 : performance.now() - cancelledAt, events };
    }
  }, [REQUEST, at] as const);
}

const nextImage = () => page.evaluate(async (r) => (await window.sdxl.generate(r)).images[0]!.image_b64, REQUEST);

test('cancel at text encoding, each UNet step and the VAE decode: stopped there, and the next image is the reference', async () => {
  const stages = ['encode_prompt', ...Array.from({ length: STEPS }, (_, i) => `denoise ${i + 1}`), 'decode'];
  for (const at of stages) {
    const r = await generateCancelling(at);
    expect(r.code, at).toBe('cancelled');
    expect(r.events, at).toEqual(stages.slice(0, stages.indexOf(at) + 1));
    expect(r.ms, at).toBeGreaterThanOrEqual(0);
    expect(r.ms, at).toBeLessThan(PROMPT_MS);
    expect(await nextImage(), `the run after a cancel at ${at}`).toBe(reference);
  }
});

test('low-memory mode: cancel while the text encoders are re-created; the next run restores them and matches', async () => {
  await page.evaluate(() => window.sdxl.setReleaseTextEncoders(true));
  expect(await nextImage()).toBe(reference);
  const r = await generateCancelling('session');
  expect(r).toMatchObject({ code: 'cancelled', events: ['session'] });
  expect(r.ms).toBeLessThan(PROMPT_MS);
  expect(await nextImage()).toBe(reference);
  await page.evaluate(() => window.sdxl.setReleaseTextEncoders(false));
});
