// The page's layout in the real app, with the tiny model loaded and one image made: the prompt above the fold, nothing
// wider than the viewport at 1400, 1024, 768 and 375 px (drawer open and closed), the drawer and the help by keyboard,
// light and dark themes from the system, reduced motion, and Esc cancelling a running generation.
import { expect, test, type Page } from '@playwright/test';
import { AppPage } from './app-page';

test.describe.configure({ mode: 'serial' });
let page: Page;
let app: AppPage;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  app = new AppPage(page);
  await app.open();
  await app.fill({ prompt: 'a lighthouse on a cliff at sunset, dramatic clouds', negative_prompt: 'blurry', width: '64', height: '64', steps: '2', seed: '42' });
  await page.getByTestId('generate').click();
  await page.getByTestId('result').first().waitFor({ timeout: 180_000 });
});
test.afterAll(() => page.close());

/** What reaches past the viewport's right edge: the page itself, any panel, drawer or gallery card, or any element. */
function overflow(): Promise<{ page: number; width: number; panels: string[]; elements: string[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const label = (e: Element) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}${e.id ? `#${e.id}` : ''}`;
    const shown = (e: Element) => e.getBoundingClientRect().width > 0;
    const panels = [...document.querySelectorAll('.panel, .drawer, .result, .batch, .card')].filter(shown)
      .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => `${label(e)} ${e.scrollWidth}>${e.clientWidth}`);
    const elements = [...document.querySelectorAll('body *')].filter(shown)
      .filter((e) => e.getBoundingClientRect().right > width + 0.5).map((e) => `${label(e)} right ${Math.round(e.getBoundingClientRect().right)}`);
    return { page: document.documentElement.scrollWidth, width, panels, elements };
  });
}

test('at 1400×1000 the prompt is above the fold, the drawer is closed once the model is ready, and the chip says model · backend · ready', async () => {
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.locator('.controls').evaluate((e) => e.scrollTo(0, 0));
  await expect(page.getByTestId('settings-drawer')).toBeHidden();
  const chip = page.getByTestId('status-chip');
  await expect(chip.getByTestId('chip-model')).toHaveText('tiny-sdxl'); // the folder URL by its last segment
  await expect(chip).toContainText(/WebGPU|CPU/);
  await expect(chip.getByTestId('model-state')).toHaveText('ready');
  const prompt = (await app.field('prompt').boundingBox())!;
  expect(prompt.y).toBeGreaterThanOrEqual(0);
  expect(prompt.y + prompt.height).toBeLessThanOrEqual(1000);
  const generate = (await page.getByTestId('generate').boundingBox())!;
  expect(generate.y + generate.height).toBeLessThanOrEqual(1000);
  await page.screenshot({ path: test.info().outputPath('app.png') });
});

for (const [width, height] of [[1400, 1000], [1024, 768], [768, 1024], [375, 812]] as const) {
  test(`nothing is wider than the viewport at ${width} px, with the drawer closed and open`, async () => {
    await page.setViewportSize({ width, height });
    for (const drawer of ['closed', 'open'] as const) {
      if (drawer === 'open') await app.openDrawer();
      const r = await overflow();
      expect(r.page, `${drawer}: page scrollWidth`).toBeLessThanOrEqual(r.width);
      expect(r.panels, `${drawer}: panels scrolling sideways`).toEqual([]);
      expect(r.elements, `${drawer}: elements past the right edge`).toEqual([]);
    }
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('settings-drawer')).toBeHidden();
    if (width === 375) {
      // On a phone the request and the results stack: the gallery starts below the controls.
      const controls = (await page.locator('.controls').boundingBox())!;
      const results = (await page.locator('.results').boundingBox())!;
      expect(results.y).toBeGreaterThanOrEqual(controls.y + controls.height - 1);
    }
  });
}

test('the drawer opens from the chip by keyboard, is labelled, and Esc closes it (focus back on the chip)', async () => {
  await page.setViewportSize({ width: 1024, height: 768 });
  const chip = page.getByTestId('status-chip');
  await chip.focus();
  await page.keyboard.press('Enter');
  const drawer = page.getByRole('dialog', { name: 'Model & settings' });
  await expect(drawer).toBeVisible();
  await expect(chip).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByTestId('drawer-close')).toBeFocused();
  await expect(drawer.getByTestId('device-models')).toContainText('tiny-sdxl');
  await expect(drawer.getByTestId('low-memory')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(drawer).toBeHidden();
  await expect(chip).toHaveAttribute('aria-expanded', 'false');
  await expect(chip).toBeFocused();
});

test('the ? button and the ? key show the keyboard shortcuts; Esc closes them', async () => {
  await page.getByTestId('help-button').click();
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  await expect(help).toContainText('Enter');
  await expect(help).toContainText('Esc');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
  await page.locator('body').click({ position: { x: 700, y: 5 } });
  await page.keyboard.press('?');
  await expect(help).toBeVisible();
  await page.keyboard.press('?');
  await expect(help).toBeHidden();
  // Typing a ? into the prompt is just a character.
  await app.field('prompt').focus();
  await page.keyboard.press('?');
  await expect(help).toBeHidden();
  await expect(app.field('prompt')).toHaveValue(/\?$/);
  await app.fill({ prompt: 'a lighthouse on a cliff at sunset, dramatic clouds' });
});

test('light and dark themes follow the system; reduced motion drops transitions', async () => {
  const look = () => page.evaluate(() => ({
    bg: getComputedStyle(document.body).backgroundColor,
    transition: getComputedStyle(document.querySelector('.progress-fill')!).transitionDuration,
  }));
  await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'no-preference' });
  const dark = await look();
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await look();
  expect(light.bg).not.toBe(dark.bg);
  expect(dark.bg).toBe('rgb(15, 17, 23)');
  expect(light.bg).toBe('rgb(245, 246, 249)');
  expect(dark.transition).toBe('0.2s');
  await page.emulateMedia({ reducedMotion: 'reduce' });
  expect((await look()).transition).toBe('0s');
  await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'no-preference' });
});

test('Esc cancels a running generation', async () => {
  await page.setViewportSize({ width: 1400, height: 1000 });
  await app.fill({ width: '256', height: '256', steps: '50' });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-stage', 'denoise', { timeout: 120_000 });
  await expect(page.getByTestId('cancel')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('status')).toHaveText('Cancelled.', { timeout: 30_000 });
  await expect(page.getByTestId('cancel')).toBeHidden();
  await expect(page.getByTestId('result')).toHaveCount(1);
});
