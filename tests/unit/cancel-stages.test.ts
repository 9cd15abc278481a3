// Cancel at every stage, in Node on the engine the worker runs: download, session creation (load and low-memory
// restore), text encoding, each UNet step, VAE decode. Each cancel is answered at that stage, at once, and the next
// request's PNG is byte-identical to an uncancelled run of the same request (nothing left behind).
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyHub, type FakeHub } from '../../e2e/hub-server';
import type { ProgressEvent } from '../../src/pipeline/progress';
import { memoryStore } from '../../src/runtime/byte-store';
import { ModelCache } from '../../src/runtime/model-cache';
import { tensorLedger } from '../../src/runtime/tensor-ledger';
import { Engine } from '../../src/worker/engine';
import type { ModelLoadProgress } from '../../src/worker/protocol';
import { nodeEngine, nodeEngineDeps } from './node-model';
import { modelDir, testDataDir } from './reference';

const STEPS = 3;
const txt2img = { prompt: 'a lighthouse on a cliff', steps: STEPS, cfg_scale: 3, seed: 7 };
/** Longest a cancel may take to be answered: one stage of the tiny model is a few ms; this leaves room for a slow CI. */
const PROMPT_MS = 1500;

const describeEvent = (e: ProgressEvent) => (e.stage === 'denoise' ? `denoise ${e.step}` : e.stage);

let engine: Engine;
let reference: string;
beforeAll(async () => {
  engine = nodeEngine();
  const loaded = await engine.loadModel(modelDir);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  const r = await engine.generate('ref', txt2img);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  reference = r.value.images[0]!.image_b64;
});

/** Generates, cancelling from inside the progress callback at the event named `at`; what came back and when. */
async function cancelAt(at: string, how: 'cancel' | 'answer', jobId: string, body: object = txt2img) {
  const events: string[] = [];
  let cancelledAt: number | undefined;
  const r = await engine.generate(jobId, body, (e) => {
    events.push(describeEvent(e));
    if (describeEvent(e) !== at) return false;
    cancelledAt = performance.now();
    if (how === 'cancel') engine.cancel(jobId);
    return how === 'answer';
  });
  return { r, events, ms: cancelledAt === undefined ? Infinity : performance.now() - cancelledAt };
}

async function nextRun(jobId: string): Promise<string | undefined> {
  const r = await engine.generate(jobId, txt2img);
  return r.ok ? r.value.images[0]!.image_b64 : undefined;
}

describe('cancelling a generation at each stage', () => {
  const stages = ['encode_prompt', ...Array.from({ length: STEPS }, (_, i) => `denoise ${i + 1}`), 'decode'];
  for (const at of stages) {
    for (const how of ['cancel', 'answer'] as const) {
      it(`${at} (${how === 'cancel' ? 'engine.cancel() from the callback' : 'the callback answers true'}): cancelled there, then the next image is the reference`, async () => {
        const before = tensorLedger.counts();
        const { r, events, ms } = await cancelAt(at, how, `c-${at}-${how}`);
        expect(r).toEqual({ ok: false, error: { code: 'cancelled', message: 'Generation was cancelled.' } });
        // Nothing ran past the stage: its event is the last one.
        expect(events).toEqual(stages.slice(0, stages.indexOf(at) + 1));
        expect(ms).toBeLessThan(PROMPT_MS);
        // Every tensor the cancelled run made was disposed.
        const after = tensorLedger.counts();
        expect(after.created - before.created).toBe(after.disposed - before.disposed);
        expect(await nextRun(`n-${at}-${how}`)).toBe(reference);
      });
    }
  }

  it('an inpainting request cancelled mid-way leaves nothing behind either', async () => {
    const png = async (name: string) => (await readFile(`${testDataDir}reference/images/${name}`)).toString('base64');
    const body = { ...txt2img, strength: 1, init_image: await png('init_image.png'), mask_image: await png('mask.png') };
    const whole = await engine.generate('inp-ref', body);
    if (!whole.ok) throw new Error(JSON.stringify(whole.error));
    const { r } = await cancelAt('denoise 1', 'answer', 'inp-c', body);
    expect(!r.ok && r.error.code).toBe('cancelled');
    const again = await engine.generate('inp-again', body);
    expect(again.ok && again.value.images[0]!.image_b64).toBe(whole.value.images[0]!.image_b64);
  });

  it('low-memory mode: a cancel while the text encoders are being re-created stops before encoding; the next run restores them', async () => {
    await engine.setReleaseTextEncoders(true);
    try {
      expect(await nextRun('lm-1')).toBe(reference);
      expect(engine.memory()!.components.text_encoder!.resident).toBe(false);
      const { r, events, ms } = await cancelAt('session', 'answer', 'lm-c');
      expect(!r.ok && r.error.code).toBe('cancelled');
      expect(events).toEqual(['session']);
      expect(ms).toBeLessThan(PROMPT_MS);
      expect(await nextRun('lm-2')).toBe(reference);
    } finally {
      await engine.setReleaseTextEncoders(false);
    }
  });
});

describe('cancelling a model load', () => {
  const sessionStart = (p: ModelLoadProgress) => (p.stage === 'session' && p.received === 0 && p.file === `${p.component}/model.onnx` ? p.component : undefined);

  for (const at of ['text_encoder', 'vae_encoder'] as const) {
    it(`between sessions (at ${at}): cancelled, no model half-loaded, and loading again works`, async () => {
      const e = nodeEngine();
      const started: string[] = [];
      const r = await e.loadModel(modelDir, (p) => {
        const component = sessionStart(p);
        if (!component) return false;
        started.push(component);
        if (component === at) e.cancelLoad();
        return false;
      });
      expect(!r.ok && r.error).toMatchObject({ code: 'cancelled', message: expect.stringContaining('Loading was cancelled') });
      expect(started[started.length - 1]).toBe(at);
      expect(e.memory()).toBeUndefined();
      const again = await e.loadModel(modelDir);
      expect(again.ok).toBe(true);
      const image = await e.generate('after-load-cancel', txt2img);
      expect(image.ok && image.value.images[0]!.image_b64).toBe(reference);
    });
  }

  it('a loaded model stays in use when loading another is cancelled', async () => {
    const e = nodeEngine();
    await e.loadModel(modelDir);
    const other = `${modelDir}./`;
    const r = await e.loadModel(other, (p) => sessionStart(p) === 'unet');
    expect(!r.ok && r.error.code).toBe('cancelled');
    const image = await e.generate('kept', txt2img);
    expect(image.ok && image.value.images[0]!.image_b64).toBe(reference);
  });

  it('during the download: cancelled, then loading again resumes, verifies, and generates the reference image', async () => {
    const hub: FakeHub = await tinyHub();
    const store = memoryStore();
    const storage = { estimate: async () => ({ quota: 1e10, usage: 0 }), persisted: async () => false };
    const e = new Engine({
      ...nodeEngineDeps(), ort, storage,
      cache: () => new ModelCache({
        store, fetch: (i, init) => hub.fetch(i, init), storage, hubEndpoint: 'http://hub.test', now: () => Date.now(), sleep: async () => undefined, checkpointBytes: 64 * 1024,
      }),
    });
    hub.faults = [{ path: 'unet/model.onnx', kind: 'slow', bytesPerSecond: 1_000_000 }];
    let cancelledAt: number | undefined;
    const r = await e.loadModel('test/tiny-sdxl-cancel', (p) => {
      const unet = p.stage === 'download' ? p.files.find((f) => f.path === 'unet/model.onnx') : undefined;
      if (unet && unet.received > 256 * 1024 && cancelledAt === undefined) {
        cancelledAt = performance.now();
        e.cancelLoad();
      }
    });
    expect(!r.ok && r.error.code).toBe('cancelled');
    expect(performance.now() - cancelledAt!).toBeLessThan(PROMPT_MS);
    const unetBytes = hub.repos.get('test/tiny-sdxl')!.get('unet/model.onnx')!.length;
    const firstTry = hub.log.filter((l) => l.path === 'unet/model.onnx').reduce((n, l) => n + l.bytes, 0);
    expect(firstTry).toBeLessThan(unetBytes);
    hub.faults = [];
    hub.log = [];
    const again = await e.loadModel('test/tiny-sdxl-cancel');
    if (!again.ok) throw new Error(JSON.stringify(again.error));
    // Resumed: the UNet's first part was not fetched again.
    const ranges = hub.log.filter((l) => l.path === 'unet/model.onnx' && l.method === 'GET').map((l) => l.range);
    expect(ranges.some((x) => x !== undefined && !x.startsWith('bytes=0-'))).toBe(true);
    expect(await e.verifyModel(again.value.record!.id)).toEqual({ ok: true, bad: [] });
    const image = await e.generate('after-download-cancel', txt2img);
    expect(image.ok && image.value.images[0]!.image_b64).toBe(reference);
  });
});
