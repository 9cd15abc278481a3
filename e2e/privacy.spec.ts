// Privacy, proven: every request the page, its worker and the service worker make during a whole session (load, model
// from the Hub, text-to-image, image-to-image, inpainting with a mask, download) is recorded, and none carries the
// prompt, the negative prompt or any slice of the pictures, and none goes anywhere but the app and the model source.
import { readFileSync } from 'node:fs';
import { expect, test, type BrowserContext, type Page, type Request } from '@playwright/test';
import { referenceDir } from './app-page';
import { APP_PORT, HUB_PORT } from './browser';
import { openWithHub } from './accept-link';

const APP_ORIGIN = `http://localhost:${APP_PORT}`;
const HUB = `http://localhost:${HUB_PORT}`;
const PROMPT = 'a quokka-zebra 7731 sipping tea';
const NEGATIVE = 'wombat-blur 4420';

interface Recorded {
  url: string;
  method: string;
  from: 'page' | 'service worker';
  text: string;
  body: Buffer;
}

/** Distinctive slices of a picture: base64 (plain and URL-encoded) and raw bytes, from its middle and its end. */
function slices(b64: string): { text: string[]; bytes: Buffer[] } {
  const raw = Buffer.from(b64, 'base64');
  const text: string[] = [];
  const bytes: Buffer[] = [];
  for (const at of [0.5, 0.8]) {
    const t = b64.slice(Math.floor(b64.length * at), Math.floor(b64.length * at) + 24);
    text.push(t, encodeURIComponent(t), t.replace(/\+/g, '-').replace(/\//g, '_'));
    const b = Math.floor(raw.length * at);
    bytes.push(raw.subarray(b, b + 24));
  }
  return { text, bytes };
}

/** What a request carries that names a secret: the needle and where it was found. */
function leaks(r: Recorded, secrets: { text: string[]; bytes: Buffer[] }): string[] {
  const found: string[] = [];
  for (const t of secrets.text) {
    if (r.url.includes(t) || r.text.includes(t) || r.body.includes(Buffer.from(t))) found.push(`"${t}" in ${r.method} ${r.url}`);
  }
  for (const b of secrets.bytes) if (r.body.includes(b) || Buffer.from(r.url + r.text, 'latin1').includes(b)) found.push(`bytes ${b.toString('hex').slice(0, 16)}… in ${r.url}`);
  return found;
}

test.describe.configure({ mode: 'serial' });
let context: BrowserContext;
let page: Page;
const recorded: Promise<Recorded>[] = [];
const secrets = { text: [PROMPT, encodeURIComponent(PROMPT), PROMPT.replace(/ /g, '+'), NEGATIVE, encodeURIComponent(NEGATIVE), NEGATIVE.replace(/ /g, '+')], bytes: [] as Buffer[] };
const pictures: Record<string, string> = {};

const record = async (r: Request): Promise<Recorded> => {
  const headers = await r.allHeaders().catch(() => r.headers());
  return {
    url: r.url(),
    method: r.method(),
    from: r.serviceWorker() ? 'service worker' : 'page',
    text: Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\n'),
    body: r.postDataBuffer() ?? Buffer.alloc(0),
  };
};

const resultImages = async (): Promise<string[]> =>
  (await page.locator('img.result-image').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src))).map((s) => s.split(',')[1]!);
const requestJson = async () => JSON.parse(await page.getByTestId('json-text').inputValue()) as Record<string, unknown>;

async function generateFromJson(body: Record<string, unknown>): Promise<void> {
  await page.locator('#tab-json').click();
  await page.getByTestId('json-text').fill(JSON.stringify(body));
  await page.locator('#tab-form').click();
  const before = await page.getByTestId('result').count();
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result')).toHaveCount(before + 1, { timeout: 180_000 });
}

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ serviceWorkers: 'allow', acceptDownloads: true });
  context.on('request', (r) => void recorded.push(record(r)));
  page = await context.newPage();
});
test.afterAll(() => context.close());

test('a whole session: load, Hub download, text-to-image, image-to-image, inpainting, download', async () => {
  await openWithHub(page, `/?ep=wasm&hub=${encodeURIComponent(HUB)}`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.evaluate(() => window.sdxl.loadModel('test/tiny-sdxl'));

  // Text to image from the form, with a negative prompt.
  await page.locator('[name="prompt"]').fill(PROMPT);
  await page.locator('[name="negative_prompt"]').fill(NEGATIVE);
  await page.locator('[name="steps"]').fill('2');
  await page.locator('[name="seed"]').fill('31');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result')).toHaveCount(1, { timeout: 180_000 });
  const base = { ...(await requestJson()), prompt: PROMPT, negative_prompt: NEGATIVE, steps: 2 };

  // Image to image, and inpainting with a mask: the pictures go in as the request body (JSON view).
  pictures.init = readFileSync(new URL('images/init_image.png', referenceDir)).toString('base64');
  pictures.mask = readFileSync(new URL('images/mask.png', referenceDir)).toString('base64');
  await generateFromJson({ ...base, init_image: pictures.init, strength: 0.6, seed: 32 });
  await generateFromJson({ ...base, init_image: pictures.init, mask_image: pictures.mask, strength: 1, seed: 33 });
  const results = await resultImages();
  expect(results).toHaveLength(3);
  results.forEach((b64, i) => (pictures[`result${i}`] = b64));

  // Export: the Download link saves the picture itself.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('result').first().getByText('Download').click()]);
  expect(download.suggestedFilename()).toMatch(/^sdxl-\d+\.png$/);
  await page.waitForTimeout(1000);
});

test('no request carries the prompt, the negative prompt or a slice of any picture, and all go to the app or the Hub', async () => {
  for (const b64 of Object.values(pictures)) {
    const s = slices(b64);
    secrets.text.push(...s.text);
    secrets.bytes.push(...s.bytes);
  }
  const all = await Promise.all(recorded);
  const byOrigin = new Map<string, number>();
  for (const r of all) byOrigin.set(new URL(r.url).origin, (byOrigin.get(new URL(r.url).origin) ?? 0) + 1);
  console.log(`[privacy] ${all.length} requests (${all.filter((r) => r.from === 'service worker').length} from the service worker): ${[...byOrigin].map(([o, n]) => `${o} ${n}`).join(', ')}; ${all.reduce((n, r) => n + r.body.length, 0)} bytes of request bodies; ${secrets.text.length} text and ${secrets.bytes.length} byte needles`);

  // The recording saw the whole session: the worker's model download from the Hub, and the service worker's precache.
  expect(all.filter((r) => r.url.startsWith(`${HUB}/test/tiny-sdxl/resolve/`)).length).toBeGreaterThan(5);
  expect(all.some((r) => r.from === 'service worker')).toBe(true);

  const outside = all.filter((r) => ![APP_ORIGIN, HUB].includes(new URL(r.url).origin) && !/^(data|blob):/.test(r.url));
  expect(outside.map((r) => r.url)).toEqual([]);
  expect(all.flatMap((r) => leaks(r, secrets))).toEqual([]);

  // The check finds a leak when there is one: a request that sends the prompt, and one that posts a picture's bytes.
  const probes = [
    { url: `${APP_ORIGIN}/x?q=${encodeURIComponent(PROMPT)}`, method: 'GET', from: 'page' as const, text: '', body: Buffer.alloc(0) },
    { url: `${APP_ORIGIN}/x`, method: 'POST', from: 'page' as const, text: '', body: Buffer.concat([Buffer.from('junk'), Buffer.from(pictures.result1!, 'base64')]) },
  ];
  for (const p of probes) expect(leaks(p, secrets).length, p.url).toBeGreaterThan(0);
});
