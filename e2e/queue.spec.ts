// The queue (issue 13 §4): Generate while a run is going queues the request; queued requests run in order, one can be
// cancelled, and the queue survives a reload (it restarts from the queued requests). Real app, tiny model, wasm EP.
import { expect, test, type Page } from '@playwright/test';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const openApp = async (page: Page) => {
  await page.goto('/?ep=wasm');
  await page.waitForFunction(() => window.sdxl !== undefined);
  await page.evaluate(() => window.sdxl.loadModel('/models/tiny-sdxl/'));
};

/** Records, in the page, every prompt the queue shows as running (in order, each once). */
const recordRuns = (page: Page) => page.evaluate(() => {
  const seen: string[] = [];
  (window as unknown as { runs: string[] }).runs = seen;
  const note = () => {
    const running = document.querySelector('[data-testid="queue-item"][data-state="running"] .queue-text')?.textContent ?? '';
    const prompt = running.replace(/^Running: /, '');
    if (prompt && seen.at(-1) !== prompt) seen.push(prompt);
  };
  new MutationObserver(note).observe(document.getElementById('queue')!, { subtree: true, childList: true, characterData: true });
  note();
});
const runs = (page: Page) => page.evaluate(() => (window as unknown as { runs: string[] }).runs);

/** Queues a request from the form: a long one (256², 150 steps: the others wait behind it) or a short one (64², 2 steps). */
async function queue(page: Page, prompt: string, length: 'long' | 'short') {
  await page.locator('[name="prompt"]').fill(prompt);
  const size = length === 'long' ? '256' : '64';
  await page.locator('[name="width"]').fill(size);
  await page.locator('[name="height"]').fill(size);
  await page.locator('[name="steps"]').fill(length === 'long' ? '150' : '2');
  await page.getByTestId('generate').click();
}

const queuedTexts = (page: Page) => page.getByTestId('queue-item').locator('.queue-text').allTextContents();

test('three requests run in order; cancelling the second leaves the first and the third', async ({ page }) => {
  await openApp(page);
  await recordRuns(page);
  await queue(page, 'first', 'long');
  await expect(page.getByTestId('generate')).toHaveText('Add to queue');
  await queue(page, 'second', 'short');
  await queue(page, 'third', 'short');
  expect(await queuedTexts(page)).toEqual(['Running: first', 'Queued: second', 'Queued: third']);

  // Reordering works on the waiting ones: third up, then back down.
  await page.getByTestId('queue-item').nth(2).getByTestId('queue-up').click();
  expect(await queuedTexts(page)).toEqual(['Running: first', 'Queued: third', 'Queued: second']);
  await page.getByTestId('queue-item').nth(1).getByTestId('queue-down').click();
  expect(await queuedTexts(page)).toEqual(['Running: first', 'Queued: second', 'Queued: third']);

  await page.getByTestId('queue-item').nth(1).getByTestId('queue-cancel').click();
  expect(await queuedTexts(page)).toEqual(['Running: first', 'Queued: third']);

  await expect(page.getByTestId('queue')).toBeHidden({ timeout: 240_000 });
  expect(await runs(page)).toEqual(['first', 'third']);
  await expect(page.getByTestId('generate')).toHaveText('Generate');
  await expect(page.getByTestId('status')).toContainText('Done');
});

test('the queue survives a reload: what was waiting (and what was running) runs after the page comes back', async ({ page }) => {
  await openApp(page);
  await queue(page, 'long one', 'long');
  await queue(page, 'after reload A', 'short');
  await queue(page, 'after reload B', 'short');
  expect(await queuedTexts(page)).toEqual(['Running: long one', 'Queued: after reload A', 'Queued: after reload B']);

  await page.reload();
  await page.waitForFunction(() => window.sdxl !== undefined);
  // Nothing runs without a model; the queue is shown, waiting.
  await expect(page.getByTestId('queue-item')).toHaveCount(3);
  expect(await queuedTexts(page)).toEqual(['Queued: long one', 'Queued: after reload A', 'Queued: after reload B']);
  await recordRuns(page);
  // The interrupted run starts over first; cancel it to keep the test short.
  await page.evaluate(() => window.sdxl.loadModel('/models/tiny-sdxl/'));
  await expect(page.getByTestId('queue-item').first()).toHaveAttribute('data-state', 'running');
  await page.getByTestId('queue-item').first().getByTestId('queue-cancel').click();
  await expect(page.getByTestId('queue')).toBeHidden({ timeout: 240_000 });
  expect(await runs(page)).toEqual(['long one', 'after reload A', 'after reload B']);
});

test('generate forever repeats with new seeds until it is switched off', async ({ page }) => {
  await openApp(page);
  await page.locator('[name="seed"]').fill('');
  await page.getByTestId('forever').check();
  await queue(page, 'forever', 'short');
  // At least three rounds, each with a seed of its own.
  await expect.poll(() => page.locator('img.result-image').count(), { timeout: 240_000 }).toBeGreaterThanOrEqual(3);
  await page.getByTestId('forever').uncheck();
  await expect(page.getByTestId('queue')).toBeHidden({ timeout: 120_000 });
  const seeds = await page.locator('img.result-image').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).dataset.seed));
  expect(new Set(seeds).size).toBe(seeds.length);
});
