// A link may not download a model, point Hub ids at another server or ask for persistent storage without the user's
// yes: the app asks in a dialog showing the source and the size (only the Hub's file list is read before that); Cancel
// stores nothing; Confirm downloads and generates; the copy stays labelled with its server and never passes for the
// default Hub's model on a later plain visit. Against the local stand-in Hub, on the wasm EP.
import { expect, test, type Page } from '@playwright/test';
import { HUB_PORT } from './browser';

const HUB = `http://localhost:${HUB_PORT}`;
const REPO = 'test/tiny-sdxl-link';
const LINK = `/?ep=wasm&hub=${encodeURIComponent(HUB)}&model=${encodeURIComponent(REPO)}`;
const FOLDER = `test-tiny-sdxl-link@localhost-${HUB_PORT}`;
test.describe.configure({ mode: 'serial' });

interface HubLog { log: { repo: string; path: string; method: string; bytes: number }[] }
const hub = {
  reset: () => fetch(`${HUB}/__reset`, { method: 'POST' }),
  /** File requests (resolve URLs); the listing API is not logged. */
  files: async (): Promise<HubLog['log']> => ((await (await fetch(`${HUB}/__log`)).json()) as HubLog).log,
};

let page: Page;
/** Every request the page and its worker sent to the stand-in Hub. */
const hubRequests: string[] = [];
test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  page.context().on('request', (r) => void (r.url().startsWith(HUB) && hubRequests.push(new URL(r.url()).pathname)));
  // The default Hub is out of reach here: refuse it at once rather than wait for DNS.
  await page.context().route('https://huggingface.co/**', (r) => r.abort());
});
test.afterAll(() => page.close());

const dialog = () => page.getByTestId('link-confirm');
const cachedModels = () => page.evaluate(() => window.sdxl.cachedModels());

test('the built-in model id from another Hub: the link asks, naming that server, and Cancel fetches no file', async () => {
  await hub.reset();
  await page.goto(`/?ep=wasm&hub=${encodeURIComponent(HUB)}&model=sdxl-lightning-4step-web-fp16`);
  await expect(dialog()).toBeVisible();
  await expect(page.getByTestId('link-source')).toHaveText(HUB);
  await expect(page.getByTestId('link-repo')).toHaveText('Cyronius/sdxl-lightning-4step-onnx-web-fp16-3shard');
  await expect(page.getByTestId('link-foreign')).toContainText(`localhost:${HUB_PORT}`);
  await page.getByTestId('link-confirm-cancel').click();
  await expect(dialog()).toHaveCount(0);
  await expect(page.getByTestId('status')).toContainText('Nothing was downloaded');
  expect(await hub.files()).toEqual([]);
  expect(await cachedModels()).toEqual([]);
});

test('a model link shows source and size and reads only the file list before the answer; Cancel stores nothing', async () => {
  await hub.reset();
  hubRequests.length = 0;
  await page.goto(LINK);
  await expect(dialog()).toBeVisible();
  await expect(page.getByTestId('link-source')).toHaveText(HUB);
  await expect(page.getByTestId('link-repo')).toHaveText(REPO);
  await expect(page.getByTestId('link-revision')).toHaveText('main');
  await expect(page.getByTestId('link-size')).toHaveText(/^\d+\.\d MB \([\d,]+ bytes\)$/);
  // Before the answer: the listing (metadata) and nothing else.
  await page.waitForTimeout(500);
  expect(hubRequests.length).toBeGreaterThan(0);
  expect(hubRequests.every((p) => p.startsWith(`/api/models/${REPO}/`))).toBe(true);
  expect(await hub.files()).toEqual([]);
  await page.getByTestId('link-confirm-cancel').click();
  await expect(page.getByTestId('model-state')).toHaveText('idle');
  expect(await hub.files()).toEqual([]);
  expect(await cachedModels()).toEqual([]);
  // The app stays usable, on the default Hub: the built-in models are offered as before.
  await expect(page.getByTestId('load-tiny-sdxl')).toBeEnabled();
});

test('Confirm downloads exactly the size shown, labels the model with its server, and generates', async () => {
  await hub.reset();
  await page.goto(LINK);
  const shown = Number(/\(([\d,]+) bytes\)/.exec((await page.getByTestId('link-size').textContent())!)![1]!.replace(/,/g, ''));
  await page.getByTestId('link-confirm-ok').click();
  await expect(page.getByTestId('model-state')).toContainText('ready', { timeout: 120_000 });
  await expect(page.getByTestId('model-name')).toContainText(`— from localhost:${HUB_PORT}`);
  const sent = (await hub.files()).filter((l) => l.repo === REPO).reduce((n, l) => n + l.bytes, 0);
  expect(sent).toBe(shown);
  const res = await page.evaluate(() => window.sdxl.generate({ prompt: 'a lighthouse', width: 64, height: 64, steps: 2, seed: 1 }));
  expect(res.images).toHaveLength(1);
  expect(await cachedModels()).toMatchObject([{ id: FOLDER, recordId: 'test-tiny-sdxl-link', source: `localhost:${HUB_PORT}`, fromDefault: false, complete: true }]);
});

test('the same link again: stored from exactly that source, it loads without asking and without a file request', async () => {
  await hub.reset();
  await page.goto(LINK);
  await expect(page.getByTestId('model-state')).toContainText('ready', { timeout: 60_000 });
  await expect(dialog()).toHaveCount(0);
  expect(await hub.files()).toEqual([]);
});

test('a later plain visit does not present the mirror’s copy as the default Hub’s model', async () => {
  await hub.reset();
  await page.goto('/?ep=wasm');
  await expect(dialog()).toHaveCount(0);
  await expect(page.getByTestId(`device-model-${FOLDER}`)).toContainText(`${REPO} — from localhost:${HUB_PORT}`);
  // The repo id on the default Hub is another model: the stored copy from the stand-in does not answer for it.
  const outcome = await page.evaluate(() => window.sdxl.loadModel('test/tiny-sdxl-link').then((r) => `loaded ${r.location}`, (e: Error) => `refused: ${e.message}`));
  expect(outcome).toMatch(/^refused: .*huggingface\.co/);
  expect(await hub.files()).toEqual([]);
  // Loading the stored copy by its folder still works, and says where it came from.
  await page.getByTestId(`device-load-${FOLDER}`).click();
  await expect(page.getByTestId('model-state')).toContainText('ready', { timeout: 60_000 });
  await expect(page.getByTestId('model-name')).toContainText(`— from localhost:${HUB_PORT}`);
});
