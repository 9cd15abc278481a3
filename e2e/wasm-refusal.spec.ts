// The real-size SDXL fp16 export (the skeleton's files at their real sizes, listed by the stand-in Hub) on the wasm
// fallback: the link's card says before Download that it can never run here (the UNet, its bytes, the 4 GiB limit, what
// would work) and offers no download; loading it anyway fails with exceeds_wasm_memory. No file is requested.
import { expect, test, type Page } from '@playwright/test';
import { openWithHub } from './accept-link';
import { HUB_PORT } from './browser';

const HUB = `http://localhost:${HUB_PORT}`;
const REPO = 'test/sdxl-skeleton-fp16';
// The UNet's graph and its three data shards, as the skeleton's manifest declares them.
const UNET_BYTES = 8_354_629 + 1_999_882_248 + 1_988_428_800 + 1_146_616_320;

interface HubLog { log: { repo: string; path: string; method: string; bytes: number }[] }
const hub = {
  reset: () => fetch(`${HUB}/__reset`, { method: 'POST' }),
  /** File requests (resolve URLs); the listing API is not logged. */
  files: async (): Promise<HubLog['log']> => ((await (await fetch(`${HUB}/__log`)).json()) as HubLog).log,
};

let page: Page;
test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.context().route('https://huggingface.co/**', (r) => r.abort());
});
test.afterAll(() => page.close());

test('on wasm, the link card refuses the real-size fp16 SDXL before Download, naming the UNet, its bytes and the limit', async () => {
  await hub.reset();
  await page.goto(`/?ep=wasm&hub=${encodeURIComponent(HUB)}&model=${encodeURIComponent(REPO)}`);
  const refusal = page.getByTestId('link-refusal');
  await expect(refusal).toBeVisible({ timeout: 60_000 });
  await expect(refusal).toHaveAttribute('data-code', 'exceeds_wasm_memory');
  await expect(refusal).toContainText(`unet is ${UNET_BYTES.toLocaleString('en')} bytes`);
  await expect(refusal).toContainText('4,294,967,296-byte (4 GiB)');
  await expect(refusal).toContainText('WebGPU');
  await expect(page.getByTestId('link-confirm-ok')).toBeDisabled();
  await page.getByTestId('link-confirm-cancel').click();
  await expect(page.getByTestId('status')).toContainText('Nothing was downloaded from the link: This model cannot run on the CPU (wasm) fallback');
  expect(await hub.files()).toEqual([]);
});

test('on wasm, loading it by repo id fails with exceeds_wasm_memory before any file is requested', async () => {
  await openWithHub(page, `/?ep=wasm&hub=${encodeURIComponent(HUB)}`);
  await hub.reset();
  const result = await page.evaluate((repo) => window.sdxl.loadModel(repo).then(() => 'loaded', (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`), REPO);
  expect(result).toMatch(/^exceeds_wasm_memory: .*unet is [\d,]+ bytes/);
  expect(result).toContain(UNET_BYTES.toLocaleString('en'));
  expect(await hub.files()).toEqual([]);
});
