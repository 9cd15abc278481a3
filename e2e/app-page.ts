// Page object for the app: open it on a model, drive the form, read results, compare pixels with references.
import { readFileSync } from 'node:fs';
import { expect, type Browser, type Page } from '@playwright/test';
import { acceptLink } from './accept-link';

export const TINY_MODEL = '/models/tiny-sdxl/';
export const referenceDir = new URL('../test-data/reference/', import.meta.url);

export function referencePngBase64(name: string): string {
  return readFileSync(new URL(`images/${name}`, referenceDir)).toString('base64');
}

export class AppPage {
  constructor(readonly page: Page) {}

  /** Fires a real drop (on the results) or paste event carrying a file, as the browser does for one from the desktop. */
  async bringFile(how: 'drop' | 'paste', b64: string, name = 'picture.png'): Promise<void> {
    await this.page.evaluate(([how, b64, name]) => {
      const file = new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type: name.endsWith('.jpg') ? 'image/jpeg' : 'image/png' });
      const data = new DataTransfer();
      data.items.add(file);
      if (how === 'drop') {
        const at = document.querySelector('.results')!;
        at.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
        at.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
      } else document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, [how, b64, name] as const);
  }

  /** A new page with the app open on the tiny model: what a serial spec's tests share. */
  static async openNew(browser: Browser): Promise<{ page: Page; app: AppPage }> {
    const page = await browser.newPage();
    const app = new AppPage(page);
    await app.open();
    return { page, app };
  }

  /** Opens the app from a ?model= link, saying yes when it asks before downloading (a stored model loads at once); `extraQuery` adds page parameters ("capture=1"). */
  async open(model = TINY_MODEL, extraQuery = ''): Promise<void> {
    const extra = extraQuery.replace(/^&/, '');
    await this.page.goto(`/?${extra ? `${extra}&` : ''}model=${encodeURIComponent(model)}`);
    await acceptLink(this.page, () => this.page.getByTestId('model-state').filter({ hasText: 'ready' }).waitFor({ timeout: 180_000 }), 180_000);
    await expect(this.page.getByTestId('model-state')).toContainText('ready', { timeout: 180_000 });
  }

  /** Opens the Model & settings drawer (see openDrawer). */
  openDrawer(): Promise<void> {
    return openDrawer(this.page);
  }

  field(name: string) {
    return this.page.locator(`[name="${name}"]`);
  }

  async fill(values: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(values)) {
      const f = this.field(name);
      if ((await f.evaluate((e) => e.tagName)) === 'SELECT') await f.selectOption(value);
      else await f.fill(value);
    }
  }

  /** Compares an image with the original outside and inside a mask (white = masked), decoded by the browser. */
  async maskedDiff(imageB64: string, originalB64: string, maskB64: string): Promise<{ outsideMax: number; insideChanged: number }> {
    return this.page.evaluate(async ([a, b, m]) => {
      const decode = async (b64: string) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const bmp = await createImageBitmap(new Blob([bytes]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
        const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d')!;
        ctx.drawImage(bmp, 0, 0);
        return ctx.getImageData(0, 0, bmp.width, bmp.height).data;
      };
      const [img, orig, mask] = await Promise.all([decode(a), decode(b), decode(m)]);
      let outsideMax = 0;
      let insideChanged = 0;
      for (let p = 0; p < img.length / 4; p++) {
        const masked = mask[p * 4]! >= 128;
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(img[p * 4 + c]! - orig[p * 4 + c]!);
          if (masked) insideChanged += d > 0 ? 1 : 0;
          else outsideMax = Math.max(outsideMax, d);
        }
      }
      return { outsideMax, insideChanged };
    }, [imageB64, originalB64, maskB64] as const);
  }

  /** Max per-channel difference (0–255) between two base64 images, decoded by the browser. */
  async pixelDiff(aB64: string, bB64: string): Promise<{ max: number; over1: number; width: number; height: number }> {
    return this.page.evaluate(async ([a, b]) => {
      const decode = async (b64: string) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const bmp = await createImageBitmap(new Blob([bytes]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
        const canvas = new OffscreenCanvas(bmp.width, bmp.height);
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(bmp, 0, 0);
        return ctx.getImageData(0, 0, bmp.width, bmp.height);
      };
      const [x, y] = await Promise.all([decode(a), decode(b)]);
      if (x.width !== y.width || x.height !== y.height) return { max: 255, over1: -1, width: x.width, height: x.height };
      let max = 0;
      let over1 = 0;
      for (let i = 0; i < x.data.length; i++) {
        if (i % 4 === 3) continue;
        const d = Math.abs(x.data[i]! - y.data[i]!);
        max = Math.max(max, d);
        if (d > 1) over1++;
      }
      return { max, over1, width: x.width, height: x.height };
    }, [aB64, bB64] as const);
  }
}

/** Opens the Model & settings drawer (the model card, stored models, memory, assets library, backend) from the header's status chip, if it is closed. */
export async function openDrawer(page: Page): Promise<void> {
  const drawer = page.getByTestId('settings-drawer');
  if (!(await drawer.isVisible())) await page.getByTestId('status-chip').click();
  await expect(drawer).toBeVisible();
}
