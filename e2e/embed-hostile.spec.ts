// The widget against hostile pages: a host page at an origin the widget does not allow, and another site's frame on an
// allowed host's page, send every protocol message (penpal 7 handshake and calls, penpal 6's older ones, each widget
// method) and malformed ones (wrong shapes, 10 MB strings, deep junk, numbers, arrays, null). They get nothing back,
// start no download or generation, are counted, and the widget keeps serving its allowed host.
import { expect, test, type BrowserContext, type Frame, type Page } from '@playwright/test';
import { APP_PORT } from './browser';

const APP = `http://127.0.0.1:${APP_PORT}/`;
const ALLOWED = `http://a.localhost:${APP_PORT}`;
const HOSTILE = `http://evil.localhost:${APP_PORT}`;
const INTRUDER = `http://c.localhost:${APP_PORT}/examples/embed/intruder.html`;
const REQUEST = { prompt: 'a red bicycle by a canal', width: 64, height: 64, steps: 2, cfg_scale: 3, seed: 99 };

declare global {
  interface Window {
    client: import('../src/embed/sdk').SdxlClient;
    attack?: (widget: Window) => Promise<{ sent: number; answers: string[] }>;
  }
}

/**
 * Runs in the hostile window: sends every message to the widget, then listens for 3 s on the window and on the port it
 * offered. Resolves with how many window messages it sent and everything that came back.
 */
const ATTACK = () => {
  window.attack = async (widget: Window) => {
    const answers: string[] = [];
    const note = (where: string) => (e: MessageEvent) => answers.push(`${where} ${e.origin}: ${JSON.stringify(e.data)?.slice(0, 200)}`);
    window.addEventListener('message', note('window'));
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = note('port');
    const calls: Record<string, unknown[]> = {
      hello: [1],
      generate: ['job-1', { prompt: 'evil', width: 64, height: 64, steps: 2 }],
      cancel: ['job-1'],
      loadModel: ['job-2', './models/tiny-sdxl/'],
      validate: [{ prompt: 'x' }],
      counters: [],
    };
    const big = 'x'.repeat(10 * 1024 * 1024);
    let deep: unknown = {};
    for (let i = 0; i < 2000; i++) deep = { a: deep, b: [i, null] };
    const messages: [unknown, Transferable[]?][] = [
      // penpal 7: the handshake as leader and as follower, ACK1, ACK2 offering a port, then every call on the window.
      [{ namespace: 'penpal', type: 'SYN', channel: undefined, participantId: 'zzzzzzzzzzzz' }],
      [{ namespace: 'penpal', type: 'SYN', channel: undefined, participantId: '000000000000' }],
      [{ namespace: 'penpal', type: 'ACK1', channel: undefined, methodPaths: [['event']] }],
      [{ namespace: 'penpal', type: 'ACK2', channel: undefined }, [port2]],
      ...Object.entries(calls).map(([m, args]): [unknown] => [{ namespace: 'penpal', channel: undefined, type: 'CALL', id: `call-${m}`, methodPath: [m], args }]),
      [{ namespace: 'penpal', channel: undefined, type: 'DESTROY' }],
      // penpal 6's messages (penpal 7 upgrades them).
      [{ penpal: 'syn' }],
      [{ penpal: 'ack', methodNames: ['event'] }],
      ...Object.entries(calls).map(([m, args]): [unknown] => [{ penpal: 'call', id: 1, methodName: m, args }]),
      // Malformed: wrong shapes, scalars, arrays, null, huge, deep.
      [null], [undefined], [0], [42], [Number.NaN], [-1e308], [true], ['SYN'], [[]], [[1, 2, 3]], [{}],
      [{ namespace: 'penpal' }],
      [{ namespace: 'penpal', type: 'CALL' }],
      [{ namespace: 'penpal', type: 42, methodPath: null }],
      [{ namespace: 'penpal', type: 'CALL', id: 'x', methodPath: 'generate', args: 'not an array' }],
      [{ namespace: 'penpal', type: 'CALL', id: 'x', methodPath: ['__proto__', 'constructor'], args: [] }],
      [{ namespace: 'penpal', type: 'CALL', id: 'x', methodPath: ['generate'], args: [big, { prompt: big }] }],
      [{ namespace: 'penpal', type: 'SYN', channel: big, participantId: big }],
      [big],
      [deep],
      [new ArrayBuffer(10 * 1024 * 1024)],
      [{ __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } }],
    ];
    for (const [m, transfer] of messages) widget.postMessage(m, '*', transfer ?? []);
    // And the calls on the port, as if the handshake had been accepted.
    for (const [m, args] of Object.entries(calls)) port1.postMessage({ namespace: 'penpal', channel: undefined, type: 'CALL', id: `port-${m}`, methodPath: [m], args });
    await new Promise((r) => setTimeout(r, 3000));
    return { sent: messages.length, answers };
  };
};

test.describe.configure({ mode: 'serial' });
let context: BrowserContext;
/** Requests for model files, whoever makes them: a hostile message must start none. */
const modelRequests: string[] = [];

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext();
  context.on('request', (r) => void (r.url().includes('/models/') && modelRequests.push(r.url())));
  await context.addInitScript(ATTACK);
});
test.afterAll(() => context.close());

async function widgetFrame(page: Page): Promise<Frame> {
  await expect.poll(() => page.frames().some((f) => f.url().startsWith(`${APP}embed.html`))).toBe(true);
  return page.frames().find((f) => f.url().startsWith(`${APP}embed.html`))!;
}

test('a host page at an origin the widget does not allow gets no answer to any message, and starts nothing', async () => {
  // A page on an origin the widget does not allow, embedding it for another site. (A real page of the local server —
  // its own script finds no widget and stops — since Chromium's Private Network Access blocks a routed page's frame.)
  const page = await context.newPage();
  await page.goto(`${HOSTILE}/examples/embed/intruder.html`);
  await page.evaluate((src) => {
    const frame = document.createElement('iframe');
    frame.src = src;
    document.body.append(frame);
  }, `${APP}embed.html?ep=wasm&origins=${encodeURIComponent(ALLOWED)}`);
  const widget = await widgetFrame(page);
  await expect(widget.getByTestId('w-model')).toContainText('No model yet');
  // The widget's own handshake offer (penpal's SYN, sent to "*" once at start, with no data) has come and gone.
  await page.waitForTimeout(500);

  const started = Date.now();
  const result = await page.evaluate(() => window.attack!(document.querySelector('iframe')!.contentWindow!));
  const took = Date.now() - started;
  expect(result.sent).toBeGreaterThan(40);
  expect(result.answers).toEqual([]);
  expect(modelRequests).toEqual([]);
  await expect(widget.getByTestId('w-status')).toHaveText('');
  await expect(widget.getByTestId('w-model')).toContainText('No model yet');
  await expect(widget.getByTestId('w-generate')).toBeEnabled();
  // The widget stays responsive: its own UI validates at once (the 10 MB messages cost it nothing to drop).
  await widget.getByTestId('w-prompt').fill('still here');
  expect(await widget.evaluate(() => document.readyState)).toBe('complete');
  console.log(`[embed-hostile] ${result.sent} messages from a disallowed parent: 0 answers, 0 model requests; sending and listening took ${took} ms`);
  await page.close();
});

test('another site\'s frame on the allowed host\'s page: every message counted, nothing answered, the host still served', async () => {
  const host = await context.newPage();
  await host.goto(`${ALLOWED}/examples/embed/?app=${encodeURIComponent(APP)}&ep=wasm&intruder=${encodeURIComponent(INTRUDER)}`);
  await host.waitForFunction(() => window.client !== undefined);
  await host.evaluate(() => window.client.ready);
  await expect.poll(() => host.frame({ url: INTRUDER }) !== null).toBe(true);
  const intruder = host.frame({ url: INTRUDER })!;
  // Its own two messages first (a handshake and a call, as the example shows them): no answer.
  await expect.poll(() => intruder.evaluate(() => (window as unknown as { answers?: unknown[] }).answers?.length ?? null), { timeout: 10_000 }).toBe(0);
  const before = (await host.evaluate(() => window.client.counters())).ignoredMessages;

  const result = await intruder.evaluate(() => window.attack!(window.parent.frames[0]!));
  expect(result.answers).toEqual([]);
  expect(modelRequests).toEqual([]);
  const after = await host.evaluate(() => window.client.counters());
  // Every window message was counted (the port's calls never reach the widget: it took no port).
  expect(after.ignoredMessages - before).toBe(result.sent);
  expect(after.lastIgnoredOrigin).toBe(`http://c.localhost:${APP_PORT}`);

  // The allowed host still loads a model and generates.
  const image = await host.evaluate(async (req) => {
    await window.client.loadModel('./models/tiny-sdxl/');
    return (await window.client.imageGen.generateSdxl(req)).images[0]!.imageB64;
  }, REQUEST);
  expect(image.length).toBeGreaterThan(100);
  expect(modelRequests.length).toBeGreaterThan(0);
  await host.close();
});
