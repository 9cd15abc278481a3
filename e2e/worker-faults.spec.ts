// Faults in the engine's worker: killed mid-run (closed, an uncaught error, a wasm trap) and a lost GPU device on the
// real WebGPU EP. The call in flight fails with worker_crashed / device_lost at once, the engine comes back with the
// model reloaded from the device, the draft and a queued request survive, and the next image is the uncrashed one.
import { expect, test, type Browser, type Page, type Worker } from '@playwright/test';
import { AppPage, TINY_MODEL, referencePngBase64 } from './app-page';
import { nodeReferencePng } from './node-reference';
import { acceptLink } from './accept-link';

const init = referencePngBase64('init_image.png');
const mask = referencePngBase64('mask.png');
/** The draft in the form: inpainting, so the init and mask images must survive a crash too. Many steps: time to kill. */
const draft = { prompt: 'a lighthouse on a cliff', init_image: init, mask_image: mask, width: 64, height: 64, steps: 40, strength: 1, cfg_scale: 3, seed: 9, sampler: 'K_EULER' as const };
/** Another request, queued behind the one that crashes. */
const queuedRequest = { prompt: 'a red fox in the snow', width: 64, height: 64, steps: 2, cfg_scale: 1, seed: 7 };
/** Crash to rejection: the Web Lock or the error event, not the heartbeat's silence limit (minutes). */
const DETECT_MS = 10_000;
/** WebGPU (SwiftShader) against the Node wasm run of the same request, as in txt2img.spec.ts. */
const PIXEL_TOLERANCE = 3;

type Outcome = { ok: true; b64: string } | { ok: false; code: string; message: string; ms: number };

async function engineWorker(page: Page): Promise<Worker> {
  await expect.poll(() => page.workers().filter((w) => w.url().includes('sdxl.worker')).length).toBeGreaterThan(0);
  return page.workers().filter((w) => w.url().includes('sdxl.worker')).at(-1)!;
}

/** Starts the form's request through window.sdxl (so the page shows it running) and a second one queued behind it. */
async function startRunAndQueue(page: Page): Promise<void> {
  await page.evaluate(([req, queued]) => {
    const w = window as unknown as Record<string, unknown>;
    const settle = (p: Promise<{ images: { image_b64: string }[] }>) => p.then(
      (r): Outcome => ({ ok: true, b64: r.images[0]!.image_b64 }),
      (e: { code: string; message: string }): Outcome => ({ ok: false, code: e.code, message: e.message, ms: performance.now() - (w.killedAt as number) }),
    );
    w.firstStep = false;
    w.running = settle(window.sdxl.generate(req, { onProgress: (p) => { if (p.stage === 'denoise') w.firstStep = true; } }));
    w.queued = settle(window.sdxl.generate(queued));
  }, [draft, queuedRequest] as const);
  await page.waitForFunction(() => (window as unknown as { firstStep: boolean }).firstStep, undefined, { timeout: 120_000 });
  // Running: Cancel shows, and Generate now queues the next request.
  await expect(page.getByTestId('cancel')).toBeVisible();
  await expect(page.getByTestId('generate')).toHaveText('Add to queue');
}

const outcome = (page: Page, name: 'running' | 'queued') => page.evaluate((n) => (window as unknown as Record<string, Promise<Outcome>>)[n]!, name);
const markKill = (page: Page) => page.evaluate(() => void ((window as unknown as Record<string, unknown>).killedAt = performance.now()));

/** A new page on the wasm EP with the tiny model loaded (the link's question answered) and the draft in the form. */
async function openWithDraft(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`/?ep=wasm&model=${encodeURIComponent(TINY_MODEL)}`);
  await acceptLink(page, () => page.getByTestId('model-state').filter({ hasText: 'ready' }).waitFor({ timeout: 180_000 }), 180_000);
  await expect(page.getByTestId('model-state')).toContainText('ready', { timeout: 180_000 });
  await page.locator('#tab-json').click();
  await page.getByTestId('json-text').fill(JSON.stringify(draft));
  await page.locator('#tab-form').click();
  return page;
}

async function generateFromForm(page: Page): Promise<string> {
  const before = await page.getByTestId('result').count();
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result')).toHaveCount(before + 1, { timeout: 240_000 });
  return (await page.getByTestId('result').first().locator('img').first().getAttribute('src'))!.split(',')[1]!;
}

const requestJson = async (page: Page) => JSON.parse(await page.getByTestId('json-text').inputValue()) as Record<string, unknown>;

test.describe('a worker that dies mid-run (wasm EP)', () => {
  test.describe.configure({ mode: 'serial' });
  let page: Page;
  let uncrashed: string;
  let uncrashedQueued: string;

  test.beforeAll(async ({ browser }) => {
    page = await openWithDraft(browser);
    // The images of uncrashed runs, to compare with after each crash.
    uncrashed = await generateFromForm(page);
    uncrashedQueued = await page.evaluate(async (r) => (await window.sdxl.generate(r)).images[0]!.image_b64, queuedRequest);
  });
  test.afterAll(() => page.close());

  const kills: [string, () => void][] = [
    ['closes itself', () => self.close()],
    ['throws an uncaught error', () => void setTimeout(() => { throw new Error('injected fault'); })],
    ['traps in wasm', () => void setTimeout(() => {
      // (module (func (export "f") unreachable))
      const bytes = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 5, 1, 3, 0, 0, 11);
      (new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f as () => void)();
    })],
  ];
  for (const [how, kill] of kills) {
    test(`the worker ${how}: worker_crashed at once, restarted with the model, draft and queue kept, same image after`, async () => {
      const dead = await engineWorker(page);
      await startRunAndQueue(page);
      const fresh = page.waitForEvent('worker', { predicate: (w) => w.url().includes('sdxl.worker') });
      await markKill(page);
      await dead.evaluate(kill).catch(() => undefined); // self.close() may take the evaluation with it
      const crashed = await Promise.race([outcome(page, 'running'), new Promise<undefined>((r) => setTimeout(r, DETECT_MS))]);
      expect(crashed, 'the call in flight settles within the bound').toMatchObject({ ok: false, code: 'worker_crashed' });
      if (crashed && !crashed.ok) expect(crashed.ms).toBeLessThan(DETECT_MS);
      await fresh;
      const t0 = Date.now();

      // The page says what happened and comes back on its own; Generate works again.
      await expect(page.getByTestId('engine-notice')).toContainText(/The engine stopped \(.+\); restarted, model reloaded/, { timeout: 120_000 });
      console.log(`[worker-faults] ${how}: rejected ${Math.round((crashed as { ms: number }).ms)} ms after the kill; engine back ${Date.now() - t0} ms later`);
      const queued = await outcome(page, 'queued');
      expect(queued.ok && queued.b64 === uncrashedQueued, 'the queued request ran on the new worker, unchanged').toBe(true);
      await expect(page.getByTestId('generate')).toBeEnabled();
      expect(await requestJson(page), 'the draft, pictures included').toEqual(draft);
      expect(await page.evaluate(() => window.sdxl.model()?.cached)).toBe(true);
      expect(await generateFromForm(page), 'the same image as an uncrashed run').toBe(uncrashed);
    });
  }

});

// Its own page (and so its own supervisor): the restarts above count towards the give-up limit of 3 a minute.
test('a load stuck where no check can stop it (a fetch that never answers) ends when cancelled: the worker is replaced, the loaded model stays', async ({ browser }) => {
  const page = await openWithDraft(browser);
  const before = await generateFromForm(page);
  const stuck = await engineWorker(page);
  const fresh = page.waitForEvent('worker', { predicate: (w) => w.url().includes('sdxl.worker') });
  // Every fetch in the worker now hangs and ignores its AbortSignal, as a broken network layer can.
  await stuck.evaluate(() => void (self.fetch = () => new Promise<Response>(() => undefined)));
  await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    w.stuckLoad = window.sdxl.loadModel('/models/another-tiny-sdxl/').then(() => ({ ok: true }), (e: { code: string; message: string }) => ({ ok: false, code: e.code, message: e.message }));
  });
  await expect(page.getByTestId('model-state')).toHaveText(/resolving|downloading|loading/);
  const t0 = Date.now();
  await page.evaluate(() => window.sdxl.cancelLoad());
  const r = await page.evaluate(() => (window as unknown as { stuckLoad: Promise<unknown> }).stuckLoad);
  const waited = Date.now() - t0;
  console.log(`[worker-faults] stuck load: ended ${waited} ms after Cancel`);
  expect(r).toMatchObject({ ok: false, code: 'worker_crashed', message: expect.stringContaining('a cancelled generation or load did not stop within 30 s') });
  expect(waited).toBeLessThan(60_000); // the 30 s grace, and a heartbeat or two (a bound against a hang, not a timing)
  await fresh;
  // The worker that replaced it reloads the model that was loaded before the stuck load, and generates as before.
  await expect(page.getByTestId('engine-notice')).toContainText(/restarted, model reloaded/, { timeout: 120_000 });
  // The model card says so too (the failed load had marked it as an error).
  await expect(page.getByTestId('model-state')).toHaveText('ready');
  expect(await generateFromForm(page), 'the same image as before the stuck load').toBe(before);
  await page.close();
});

test.describe('a lost GPU device (real WebGPU EP)', () => {
  test.describe.configure({ mode: 'serial' });
  let page: Page;
  let app: AppPage;
  const small = { prompt: 'a red fox in the snow', width: 64, height: 64, steps: 2, cfg_scale: 1, seed: 7 };

  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    app = new AppPage(page);
    await app.open();
    expect((await page.evaluate(() => window.sdxl.model()))?.provider).toBe('webgpu');
  });
  test.afterAll(() => page.close());

  test('mid-run: device_lost, sessions re-created on a new device, the next request succeeds', async () => {
    // SwiftShader compiles every shader again on the new device: two cold runs and a reload on a busy 2-core machine.
    test.setTimeout(540_000);
    const worker = await engineWorker(page);
    await page.evaluate((req) => {
      const w = window as unknown as Record<string, unknown>;
      w.firstStep = false;
      w.steps = [] as number[];
      w.lost = window.sdxl.generate(req, { onProgress: (p) => { if (p.stage === 'denoise') { w.firstStep = true; (w.steps as number[]).push(performance.now()); } } })
        .then(() => ({ ok: true }), (e: { code: string; message: string }) => ({ ok: false, code: e.code, message: e.message }));
    }, { ...small, steps: 8 });
    await page.waitForFunction(() => (window as unknown as { firstStep: boolean }).firstStep, undefined, { timeout: 120_000 });
    const fresh = page.waitForEvent('worker', { predicate: (w) => w.url().includes('sdxl.worker') });
    await page.waitForFunction(() => (window as unknown as { steps: number[] }).steps.length >= 2, undefined, { timeout: 120_000 });
    const killedAt = Date.now();
    expect(await worker.evaluate(() => (self as unknown as { __sdxlTest: { destroyGpuDevice(): boolean } }).__sdxlTest.destroyGpuDevice())).toBe(true);
    const lost = await Promise.race([page.evaluate(() => (window as unknown as { lost: Promise<unknown> }).lost), new Promise((r) => setTimeout(() => r('still pending'), DETECT_MS))]);
    expect(lost, JSON.stringify(lost)).toMatchObject({ ok: false, code: 'device_lost' });
    const steps = await page.evaluate(() => (window as unknown as { steps: number[] }).steps);
    console.log(`[worker-faults] device lost: rejected ${Date.now() - killedAt} ms after destroy(); a SwiftShader 64×64 step took ${Math.round(steps[1]! - steps[0]!)} ms`);
    await fresh;
    await expect(page.getByTestId('engine-notice')).toContainText(/GPU device was lost .*restarted on a new device, model reloaded/, { timeout: 120_000 });
    const after = await page.evaluate(async (r) => {
      const res = await window.sdxl.generate(r);
      return { b64: res.images[0]!.image_b64, provider: (await window.sdxl.stats())?.provider };
    }, small);
    expect(after.provider).toBe('webgpu');
    const diff = await app.pixelDiff(after.b64, await nodeReferencePng(small));
    expect(diff.max, `the image the engine makes for this request: ${JSON.stringify(diff)}`).toBeLessThanOrEqual(PIXEL_TOLERANCE);
  });
});

test('the widget recovers too: its worker closes mid-run, it says so, reloads the stored model, and makes the same image', async ({ browser }) => {
  const context = await browser.newContext();
  const app = await context.newPage();
  await app.goto(`/?ep=wasm&model=${encodeURIComponent(TINY_MODEL)}`);
  await acceptLink(app, () => app.getByTestId('model-state').filter({ hasText: 'ready' }).waitFor({ timeout: 180_000 }), 180_000);
  await expect(app.getByTestId('model-state')).toContainText('ready', { timeout: 180_000 });
  const id = (await app.evaluate(() => window.sdxl.cachedModels()))[0]!.id;
  await app.close();

  const page = await context.newPage();
  const defaults = JSON.stringify({ width: 64, height: 64, cfg_scale: 1 });
  await page.goto(`/embed.html?ep=wasm&model=${encodeURIComponent(id)}&controls=seed,steps,download&prompt=${encodeURIComponent('a red kite')}&defaults=${encodeURIComponent(defaults)}`);
  await expect(page.getByTestId('w-model')).toContainText('ready', { timeout: 180_000 });
  const run = async (steps: string) => {
    await page.getByTestId('w-seed').fill('5');
    await page.getByTestId('w-steps').fill(steps);
    await page.getByTestId('w-generate').click();
  };
  const image = () => page.getByTestId('w-image').getAttribute('src');
  await run('2');
  await expect(page.getByTestId('w-status')).toContainText('Done', { timeout: 120_000 });
  const uncrashed = await image();

  const dead = await engineWorker(page);
  await run('40');
  await expect(page.getByTestId('w-progress')).toBeVisible();
  await dead.evaluate(() => self.close()).catch(() => undefined);
  await expect(page.getByTestId('w-status')).toContainText(/The engine stopped \(.+\); restarted, model reloaded/, { timeout: 120_000 });
  await expect(page.getByTestId('w-generate')).toBeEnabled();
  await run('2');
  await expect(page.getByTestId('w-status')).toContainText('Done', { timeout: 120_000 });
  expect(await image(), 'the same image as before the crash').toBe(uncrashed);
  await context.close();
});
