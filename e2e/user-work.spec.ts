// Nothing the user made is lost silently (issue 10): with the site's storage full, a result is still shown, marked
// "not saved — storage full" with the reason, and Retry or "Delete oldest results" stores it once there is room; the
// draft keeps its init and mask images across a reload.
//
// Storage full is made in the page: CDP's Storage.overrideQuotaForOrigin is accepted by Debian's Chromium 156 but has no
// effect (navigator.storage.estimate() keeps its quota and a 2 MB IndexedDB write past it commits, in a fresh or a
// persistent profile), so while `__storageFull` is set a put into the results store aborts its real transaction with
// the error Chromium reports for a full quota (a QuotaExceededError DOMException on transaction.error).
import { expect, test, type Page } from '@playwright/test';
import { referencePngBase64 } from './app-page';

test.describe.configure({ mode: 'serial' });
let page: Page;
test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const req = put.apply(this, args);
      if ((globalThis as { __storageFull?: boolean }).__storageFull && this.name === 'history') {
        // As Chromium does when the quota is short: the write itself succeeds, the transaction then aborts.
        const tx = this.transaction;
        req.addEventListener('success', () => {
          Object.defineProperty(tx, 'error', { configurable: true, get: () => new DOMException('The quota has been exceeded.', 'QuotaExceededError') });
          tx.abort();
        });
      }
      return req;
    };
  });
  await page.goto('/?ep=wasm');
  await page.waitForFunction(() => window.sdxl !== undefined);
  await page.evaluate(() => window.sdxl.loadModel('/models/tiny-sdxl/'));
});
test.afterAll(() => page.close());

const fillStorage = () => page.evaluate(() => void ((globalThis as { __storageFull?: boolean }).__storageFull = true));
const freeStorage = () => page.evaluate(() => void ((globalThis as { __storageFull?: boolean }).__storageFull = false));
const storedResults = () => page.evaluate(() => new Promise<number[]>((resolve, reject) => {
  const open = indexedDB.open('sdxl-web');
  open.onsuccess = () => {
    const req = open.result.transaction('history').objectStore('history').getAllKeys();
    req.onsuccess = () => resolve(req.result as number[]);
    req.onerror = () => reject(req.error);
  };
}));
const generateWithSeed = async (seed: number) => {
  await page.locator('[name="seed"]').fill(String(seed));
  await page.locator('[name="width"]').fill('64');
  await page.locator('[name="height"]').fill('64');
  await page.locator('[name="steps"]').fill('2');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('status')).toContainText(/^(Done|Still)/, { timeout: 60_000 });
};
const seedsShown = () => page.locator('img.result-image').evaluateAll((imgs) => imgs.map((i) => Number((i as HTMLImageElement).dataset.seed)));

test('storage full: the result is shown and marked "not saved — storage full"; freeing space and retrying stores it', async () => {
  await generateWithSeed(1);
  await expect.poll(storedResults).toHaveLength(1);

  await fillStorage();
  try {
    await generateWithSeed(2);
    await expect(page.getByTestId('status')).toContainText('Done, but not saved — storage full');
    const note = page.getByTestId('not-saved');
    await expect(note).toHaveCount(1);
    await expect(note).toContainText('Not saved — storage full');
    await expect(note).toContainText('QuotaExceededError');
    expect(await seedsShown()).toEqual([2, 1]); // shown all the same
    expect(await storedResults()).toHaveLength(1);
    // Retry while still full: still marked, nothing dropped.
    await note.getByTestId('retry-save').click();
    await expect(page.getByTestId('status')).toContainText('Still not saved — storage full');
    await expect(page.getByTestId('not-saved')).toHaveCount(1);
  } finally {
    await freeStorage();
  }
  // "Delete oldest results" removes the oldest stored one (seed 1) and stores this one.
  await page.getByTestId('not-saved').getByTestId('delete-oldest').click();
  await expect(page.getByTestId('status')).toContainText('Saved');
  await expect(page.getByTestId('not-saved')).toHaveCount(0);
  expect(await seedsShown()).toEqual([2]);

  await fillStorage();
  try {
    await generateWithSeed(3);
    await expect(page.getByTestId('not-saved')).toHaveCount(1);
  } finally {
    await freeStorage();
  }
  await page.getByTestId('not-saved').getByTestId('retry-save').click();
  await expect(page.getByTestId('not-saved')).toHaveCount(0);
  await page.reload();
  await expect.poll(seedsShown).toEqual([3, 2]);
});

test('the draft keeps its init and mask images across a reload', async () => {
  const init = referencePngBase64('init_image.png');
  const mask = referencePngBase64('mask.png');
  await page.locator('#tab-json').click();
  await page.getByTestId('json-text').fill(JSON.stringify({ prompt: 'keep my picture', init_image: init, mask_image: mask, strength: 0.6 }));
  await page.getByTestId('json-text').dispatchEvent('input');
  // Stored in IndexedDB (a moment after the change).
  await expect.poll(() => page.evaluate(() => new Promise<number>((resolve) => {
    const open = indexedDB.open('sdxl-web');
    open.onsuccess = () => {
      if (!open.result.objectStoreNames.contains('draft')) return resolve(0);
      const req = open.result.transaction('draft').objectStore('draft').get('images');
      req.onsuccess = () => resolve(Object.keys((req.result ?? {}) as object).length);
      req.onerror = () => resolve(-1);
    };
    open.onerror = () => resolve(-1);
  }))).toBe(2);
  await page.reload();
  await page.locator('#tab-json').click();
  await expect.poll(async () => JSON.parse(await page.getByTestId('json-text').inputValue()) as Record<string, unknown>)
    .toMatchObject({ prompt: 'keep my picture', init_image: init, mask_image: mask, strength: 0.6 });
});
