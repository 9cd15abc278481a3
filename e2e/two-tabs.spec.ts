// Two tabs of the app share one model store (issue 10): both loading the same model at once fetch each file once
// (Web Locks around download and verify), verify it and generate the same image; a delete in one tab is told to the
// other, which says so on its next generation instead of failing later in some odd way.
import { expect, test, type Page } from '@playwright/test';
import { HUB_PORT } from './browser';
import { openWithHub } from './accept-link';

const HUB = `http://localhost:${HUB_PORT}`;
const APP = `/?ep=wasm&hub=${encodeURIComponent(HUB)}`;
const REPO = 'test/tiny-sdxl-twotabs';
const ID = 'test-tiny-sdxl-twotabs';

interface HubLog { log: { repo: string; path: string; method: string; status: number; bytes: number }[] }
const hub = {
  reset: () => fetch(`${HUB}/__reset`, { method: 'POST' }),
  faults: (faults: object[]) => fetch(`${HUB}/__faults`, { method: 'POST', body: JSON.stringify(faults) }),
  log: async (): Promise<HubLog> => (await fetch(`${HUB}/__log`)).json() as Promise<HubLog>,
};
const request = { prompt: 'two tabs, one lighthouse', width: 64, height: 64, steps: 2, seed: 11 };
const ready = (p: Page) => p.waitForFunction(() => window.sdxl !== undefined);

test('two tabs load one model at once: each file is fetched once, it verifies, both generate the same image; a delete in A is told in B', async ({ browser }) => {
  const context = await browser.newContext();
  const [a, b] = [await context.newPage(), await context.newPage()];
  try {
    await hub.reset();
    await Promise.all([openWithHub(a, APP), openWithHub(b, APP)]);
    await Promise.all([ready(a), ready(b)]);
    // Slow bytes, so both tabs surely ask while the first download is still under way.
    await hub.faults([{ path: 'unet/model.onnx', kind: 'slow', bytesPerSecond: 4_000_000 }]);
    const [ra, rb] = await Promise.all([a, b].map((p) => p.evaluate((repo) => window.sdxl.loadModel(repo), REPO)));
    await hub.faults([]);
    expect(ra).toMatchObject({ cached: true, record: { id: ID } });
    expect(rb).toMatchObject({ cached: true, record: { id: ID } });

    const files = (await hub.log()).log.filter((l) => l.repo === REPO && l.method === 'GET' && l.status < 300).map((l) => l.path);
    expect(files).toContain('unet/model.onnx');
    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((p, i) => files.indexOf(p) !== i)).toEqual([]); // nothing fetched twice
    // Stored models are keyed by source: this Hub's copy lives in its own folder, found by its record id.
    const folder = await a.evaluate(async (id) => (await window.sdxl.cachedModels()).find((m) => m.recordId === id)?.id, ID);
    expect(folder).toBeDefined();
    expect(await a.evaluate((f) => window.sdxl.verifyModel(f), folder!)).toEqual({ ok: true, bad: [] });

    const generate = (p: Page) => p.evaluate((r) => window.sdxl.generate(r), request);
    const [ia, ib] = await Promise.all([generate(a), generate(b)]);
    expect(ia.images[0]!.image_b64).toBe(ib.images[0]!.image_b64);

    // Tab A deletes the model tab B has loaded: B's next generation says so, by code and on the page.
    await a.evaluate((f) => window.sdxl.deleteModel(f), folder!);
    const err = await b.evaluate((r) => window.sdxl.generate(r).then(() => undefined, (e: { code?: string; message?: string }) => ({ code: e.code, message: e.message })), request);
    expect(err).toEqual({ code: 'model_deleted', message: expect.stringMatching(/deleted from this device \(in another tab, or here\): load it again/) });
    await b.getByTestId('generate').click();
    await expect(b.getByTestId('status')).toContainText('This model was deleted from this device');
    await expect(b.getByTestId('generate')).toBeEnabled(); // the page stays usable

    // Loading it again fetches it again, and the image is the same as before.
    expect(await b.evaluate((repo) => window.sdxl.loadModel(repo), REPO)).toMatchObject({ record: { id: ID } });
    const again = await b.evaluate((r) => window.sdxl.generate(r), request);
    expect(again.images[0]!.image_b64).toBe(ia.images[0]!.image_b64);
  } finally {
    await context.close();
  }
});
