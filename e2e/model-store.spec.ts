// Real models end to end, against the local stand-in for the Hub: download with visible progress, resume after a
// reload, a corrupted file caught by its SHA-256, a quota too small refused up front, loading offline, and delete.
// The wasm EP runs the few generations here: these tests are about storage and the network, not the GPU.
import { expect, test, type Page } from '@playwright/test';
import { HUB_PORT } from './browser';
import { openDrawer } from './app-page';
import { serviceWorkerControls } from './service-worker';

const HUB = `http://localhost:${HUB_PORT}`;
const APP = `/?ep=wasm&hub=${encodeURIComponent(HUB)}`;
/** Models from the stand-in Hub are stored apart from the default Hub's, in folders named with its host. */
const at = (id: string) => `${id}@localhost-${HUB_PORT}`;
test.describe.configure({ mode: 'serial' });

interface HubLog { log: { repo: string; path: string; range?: string; status: number; bytes: number }[]; bytesSent: number }
const hub = {
  faults: (faults: object[]) => fetch(`${HUB}/__faults`, { method: 'POST', body: JSON.stringify(faults) }),
  reset: () => fetch(`${HUB}/__reset`, { method: 'POST' }),
  log: async (): Promise<HubLog> => (await fetch(`${HUB}/__log`)).json() as Promise<HubLog>,
};
/** Bytes the fake Hub holds for the tiny model (every file of the folder). */
let modelBytes = 0;

let page: Page;
test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await hub.reset();
  const info = await (await fetch(`${HUB}/api/models/test/tiny-sdxl/revision/main`)).json() as { siblings: { size: number }[] };
  modelBytes = info.siblings.reduce((n, s) => n + s.size, 0);
  await page.goto(APP);
  // The link names another Hub: the page asks first (link-confirmation.spec.ts covers the question itself).
  await expect(page.getByTestId('link-source')).toHaveText(HUB);
  await page.getByTestId('link-confirm-ok').click();
  await expect(page.getByTestId('storage-info')).toContainText('Using');
  await serviceWorkerControls(page);
});
test.afterAll(() => page.close());

/** Storage used outside the service worker's caches (which grow on their own: Chromium keeps compiled wasm beside them). */
const usage = () => page.evaluate(async () => {
  const e = await navigator.storage.estimate() as StorageEstimate & { usageDetails?: { caches?: number } };
  return (e.usage ?? 0) - (e.usageDetails?.caches ?? 0);
});
/** Paths under models/<id>/ in the Origin Private File System, as the page sees them. */
const storedFiles = (id: string) => page.evaluate(async (id) => {
  const out: string[] = [];
  const walk = async (d: FileSystemDirectoryHandle, base: string) => {
    for await (const [name, h] of (d as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      if (h.kind === 'directory') await walk(h as FileSystemDirectoryHandle, `${base}${name}/`);
      else out.push(`${base}${name}`);
    }
  };
  try {
    await walk(await (await (await navigator.storage.getDirectory()).getDirectoryHandle('models')).getDirectoryHandle(id), '');
  } catch {
    // No such folder: nothing stored.
  }
  return out.sort();
}, id);
const loadFromForm = async (ref: string) => {
  await openDrawer(page);
  await page.locator('details.model-body').evaluate((d) => ((d as HTMLDetailsElement).open = true));
  await page.getByLabel('Model repo id or folder URL').fill(ref);
  await page.getByTestId('model-url-form').getByRole('button', { name: 'Load' }).click();
};
let usageBefore = 0;

test('first load downloads from the Hub with visible progress (bytes, speed, ETA), then generates', async () => {
  usageBefore = await usage();
  // Slow bytes on the biggest shard, so the progress can be watched.
  await hub.faults([{ path: 'unet/model.onnx_data', kind: 'slow', bytesPerSecond: 1_500_000 }]);
  await loadFromForm('test/tiny-sdxl-sharded');
  await expect(page.getByTestId('model-state')).toHaveText('downloading');
  await expect(page.getByTestId('model-progress-label')).toContainText(/Downloading .* of .* \(\d+ %\) · .*\/s · .* left/);
  await expect(page.getByTestId('download-files')).toContainText('unet/model.onnx_data_2');
  await expect(page.getByTestId('model-state')).toContainText('ready', { timeout: 120_000 });
  await hub.faults([]);
  await expect(page.getByTestId(`device-model-${at('test-tiny-sdxl-sharded')}`)).toContainText('complete');
  const report = await page.evaluate(() => window.sdxl.model());
  expect(report).toMatchObject({ cached: true, record: { source: { kind: 'hub', repo: 'test/tiny-sdxl-sharded' } } });
  const res = await page.evaluate(() => window.sdxl.generate({ prompt: 'a lighthouse', width: 64, height: 64, steps: 2, seed: 1 }));
  expect(res.images).toHaveLength(1);
  // The shards were found from the graphs and stored next to them.
  expect(await storedFiles(at('test-tiny-sdxl-sharded'))).toEqual(expect.arrayContaining(['unet/model.onnx', 'unet/model.onnx_data', 'unet/model.onnx_data_1', 'unet/model.onnx_data_2', 'state.json']));
});

test('a reload mid-download resumes with a Range request; under 1.3× the model crosses the network', async () => {
  await hub.reset();
  await hub.faults([{ path: 'unet/model.onnx', kind: 'slow', bytesPerSecond: 1_000_000 }]);
  // Not awaited: the reload below ends this page (and its worker) mid-download.
  const interrupted = page.evaluate(() => window.sdxl.loadModel('test/tiny-sdxl-resume')).catch(() => 'interrupted');
  await expect.poll(async () => (await hub.log()).log.find((l) => l.path === 'unet/model.onnx')?.bytes ?? 0, { timeout: 60_000 }).toBeGreaterThan(3_500_000);
  await page.reload();
  await page.getByTestId('link-confirm-ok').click(); // the reloaded link asks again before using the stand-in Hub
  expect(await interrupted).toBe('interrupted');
  await hub.faults([]);
  await expect(page.getByTestId(`device-model-${at('test-tiny-sdxl-resume')}`)).toContainText('partly downloaded');
  await page.evaluate(() => window.sdxl.loadModel('test/tiny-sdxl-resume'));
  await expect(page.getByTestId('model-state')).toContainText('ready');
  const { log } = await hub.log();
  const unet = log.filter((l) => l.repo === 'test/tiny-sdxl-resume' && l.path === 'unet/model.onnx');
  expect(unet.map((l) => l.range)).toEqual([undefined, expect.stringMatching(/^bytes=[1-9]\d*-$/)]);
  expect(Number(/bytes=(\d+)-/.exec(unet[1]!.range!)![1])).toBeGreaterThan(2_000_000);
  const sent = log.filter((l) => l.repo === 'test/tiny-sdxl-resume').reduce((n, l) => n + l.bytes, 0);
  expect(sent).toBeLessThan(1.3 * modelBytes);
});

test('Cancel stops a download and keeps what arrived for the next load to resume', async () => {
  await hub.reset();
  await hub.faults([{ path: 'unet/model.onnx', kind: 'slow', bytesPerSecond: 1_000_000 }]);
  await loadFromForm('test/tiny-sdxl-cancel');
  await expect(page.getByTestId('model-state')).toHaveText('downloading');
  await openDrawer(page);
  await page.getByTestId('download-cancel').click();
  await expect(page.getByTestId('model-progress-label')).toContainText('The download was cancelled; what arrived is kept');
  await expect(page.getByTestId(`device-model-${at('test-tiny-sdxl-cancel')}`)).toContainText('partly downloaded');
  await expect(page.getByTestId('load-tiny-sdxl')).toBeAttached(); // the page stays usable
  await hub.faults([]);
});

test('a corrupted file is caught by its SHA-256, named, and not kept; the next load fetches only it', async () => {
  await hub.reset();
  await hub.faults([{ path: 'vae_decoder/model.onnx', kind: 'corrupt', times: 1 }]);
  await loadFromForm('test/tiny-sdxl-corrupt');
  await expect(page.getByTestId('model-state')).toHaveText('error', { timeout: 60_000 });
  await expect(page.getByTestId('model-progress-label')).toContainText('vae_decoder/model.onnx is corrupt');
  expect(await storedFiles(at('test-tiny-sdxl-corrupt'))).not.toContain('vae_decoder/model.onnx');
  await hub.reset();
  await page.evaluate(() => window.sdxl.loadModel('test/tiny-sdxl-corrupt'));
  const fetched = (await hub.log()).log.filter((l) => l.bytes > 0).map((l) => l.path);
  expect(fetched).toEqual(['vae_decoder/model.onnx']);
});

test('a model bigger than the storage quota is refused before any byte is written, saying needed vs available', async () => {
  await hub.reset();
  const { quota = 0, usage: used = 0 } = await page.evaluate(() => navigator.storage.estimate());
  await loadFromForm('test/tiny-sdxl-huge'); // lists a 40 GB shard, more than this browser's real quota for the site
  await expect(page.getByTestId('model-state')).toHaveText('error');
  const label = page.getByTestId('model-progress-label');
  await expect(label).toContainText(/needs 40\.03 GB more, and this browser allows \d+\.\d\d GB more/);
  const allowed = Number(/allows (\d+\.\d\d) GB/.exec((await label.textContent())!)![1]);
  expect(Math.abs(allowed - (quota - used) / 1e9)).toBeLessThan(0.02);
  expect(await storedFiles(at('test-tiny-sdxl-huge'))).toEqual([]);
  expect((await hub.log()).log.filter((l) => l.bytes > 0)).toEqual([]);
});

test('offline, a cached model loads from this device and generates, with no request to the Hub', async () => {
  await page.evaluate(() => window.sdxl.loadModel('test/tiny-sdxl-resume')); // another model first, so the next load is real
  await hub.reset();
  await page.context().setOffline(true);
  try {
    const report = await page.evaluate(() => window.sdxl.loadModel('test/tiny-sdxl-sharded'));
    expect(report).toMatchObject({ cached: true, record: { id: 'test-tiny-sdxl-sharded' } });
    const res = await page.evaluate(() => window.sdxl.generate({ prompt: 'offline', width: 64, height: 64, steps: 2, seed: 2 }));
    expect(res.images).toHaveLength(1);
  } finally {
    await page.context().setOffline(false);
  }
  expect((await hub.log()).log).toEqual([]);
});

test('a folder picked on this device loads in place: nothing is copied into storage', async () => {
  const before = await page.evaluate(() => window.sdxl.cachedModels());
  await page.getByTestId('folder-input').setInputFiles('test-data/tiny-sdxl');
  await expect(page.getByTestId('model-state')).toContainText('ready');
  expect(await page.evaluate(() => window.sdxl.model())).toMatchObject({ cached: false, location: 'local:tiny-sdxl/' });
  expect(await page.evaluate(() => window.sdxl.cachedModels())).toEqual(before);
  const res = await page.evaluate(() => window.sdxl.generate({ prompt: 'from a folder', width: 64, height: 64, steps: 2, seed: 3 }));
  expect(res.images).toHaveLength(1);

  // Or copied into storage: then it is one of the models on this device, verified, and loads without the folder.
  await openDrawer(page);
  await page.locator('details.model-body').evaluate((d) => ((d as HTMLDetailsElement).open = true));
  await page.getByTestId('folder-import').check();
  await page.getByTestId('folder-input').setInputFiles('test-data/tiny-sdxl');
  await expect(page.getByTestId('device-model-local-tiny-sdxl')).toContainText('complete');
  await expect.poll(() => page.evaluate(() => window.sdxl.model()?.location)).toBe('cache:local-tiny-sdxl/');
  expect(await page.evaluate(() => window.sdxl.model())).toMatchObject({ cached: true, record: { source: { kind: 'local', name: 'tiny-sdxl' } } });
  await openDrawer(page); // the load closed the drawer it had opened
  await page.getByTestId('verify-local-tiny-sdxl').click();
  await expect(page.getByTestId('verify-result-local-tiny-sdxl')).toHaveText('All files intact.');
});

test('low memory: the text encoders are released after a generation, and the page shows what stays resident', async () => {
  await openDrawer(page);
  await page.getByTestId('low-memory').check();
  await page.evaluate(() => window.sdxl.generate({ prompt: 'low memory', width: 64, height: 64, steps: 2, seed: 4 }));
  await expect(page.getByTestId('memory-info')).toContainText(/Resident model memory: .*text_encoder .* \(released\)/);
  const m = await page.evaluate(() => window.sdxl.memory());
  expect(m!.components.text_encoder_2!.resident).toBe(false);
  await page.getByTestId('low-memory').uncheck();
  await expect(page.getByTestId('memory-info')).not.toContainText('released');
});

test('delete removes every byte: the storage estimate drops back', async () => {
  for (const id of [...['test-tiny-sdxl-sharded', 'test-tiny-sdxl-resume', 'test-tiny-sdxl-cancel', 'test-tiny-sdxl-corrupt'].map(at), 'local-tiny-sdxl']) {
    await openDrawer(page);
    await page.getByTestId(`delete-${id}`).click();
    await expect(page.getByTestId(`device-model-${id}`)).toHaveCount(0);
    expect(await storedFiles(id)).toEqual([]);
  }
  // Chromium's usage figure settles a moment after deletes.
  await expect.poll(usage, { timeout: 20_000 }).toBeLessThan(usageBefore + 1_000_000);
});
