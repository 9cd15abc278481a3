// Accessibility (issue 13 §5): axe-core reports no serious or critical violation on the main view, the JSON view, the
// mask painter, the model drawer, the gallery lightbox and the widget; a keyboard-only flow from the prompt to the
// lightbox and back. Real app, tiny model, wasm EP.
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

/** Makes one 64×64 image from the form and waits until it is in the history grid. */
async function generateSmall(page: Page) {
  await page.locator('[name="width"]').fill('64');
  await page.locator('[name="height"]').fill('64');
  await page.locator('[name="steps"]').fill('2');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('gallery-cell').first()).toBeVisible({ timeout: 120_000 });
}

test('the model drawer has no serious or critical violation', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('status-chip').click();
  await expect(page.getByTestId('settings-drawer')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the gallery lightbox has no serious or critical violation', async ({ page }) => {
  await openApp(page);
  await generateSmall(page);
  await page.getByTestId('gallery-cell').first().locator('.vgrid-open').click();
  await expect(page.getByTestId('lightbox')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('keyboard only: Tab to the prompt, type, Ctrl+Enter, open the image in the lightbox, close it with Esc', async ({ page }) => {
  await openApp(page);
  await page.locator('[name="width"]').fill('64');
  await page.locator('[name="height"]').fill('64');
  await page.locator('[name="steps"]').fill('2');
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  /** Presses Tab until `matches` holds for the focused element; the number of presses, or -1. */
  const tabTo = async (matches: string, limit: number) => {
    for (let i = 1; i <= limit; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, matches)) return i;
    }
    return -1;
  };
  const toPrompt = await tabTo('[name="prompt"]', 40);
  expect(toPrompt, 'the prompt is reached with Tab, early in the order').toBeGreaterThan(0);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('a keyboard-only lighthouse');
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(page.getByTestId('gallery-cell').first()).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('status')).toContainText('Done');
  const toCell = await tabTo('.vgrid-open', 400);
  expect(toCell, 'the new image is reached with Tab').toBeGreaterThan(0);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('lightbox')).toBeVisible();
  await expect(page.getByTestId('lightbox')).toContainText('a keyboard-only lighthouse');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('lightbox')).toBeHidden();
  console.log(JSON.stringify({ tabsToPrompt: toPrompt, tabsFromPromptToImage: toCell }));
});

test('the JSON view has no serious or critical violation', async ({ page }) => {
  await openApp(page);
  await page.locator('#tab-json').click();
  await expect(page.getByTestId('json-text')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the mask painter has no serious or critical violation, and every toolbar control has a name', async ({ page }) => {
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

test('the painter\'s non-drawing actions work from the keyboard: Fill, Undo, Clear and the size slider', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('mode-inpaint').click();
  await page.getByTestId('image-file').setInputFiles(new URL('images/init_image.png', referenceDir).pathname);
  await expect(page.getByTestId('painter-canvas')).toBeVisible();
  const mask = async () => (JSON.parse(await page.getByTestId('json-text').inputValue()) as { mask_image?: string }).mask_image;
  const press = async (testid: string, key: string) => {
    // Reached with Tab from the toolbar's first button, then pressed: no pointer involved.
    await page.getByTestId('painter-brush').focus();
    for (let i = 0; i < 20 && !(await page.getByTestId(testid).evaluate((e) => e === document.activeElement)); i++) await page.keyboard.press('Tab');
    await expect(page.getByTestId(testid)).toBeFocused();
    await page.keyboard.press(key);
  };
  expect(await mask()).toBeUndefined();
  await press('painter-fill', 'Enter');
  await expect.poll(mask).toBeDefined();
  await press('painter-undo', 'Space');
  await expect.poll(mask).toBeUndefined();
  await press('painter-fill', 'Enter');
  await expect.poll(mask).toBeDefined();
  await press('painter-clear', 'Enter');
  await expect.poll(mask).toBeUndefined();
  const before = Number(await page.getByTestId('painter-size').inputValue());
  await press('painter-size', 'ArrowRight');
  expect(Number(await page.getByTestId('painter-size').inputValue())).toBe(before + 1);
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
