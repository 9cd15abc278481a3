// The request's checkpoint: the Lightning name and the loaded record are the loaded model, a stored id picks that
// model, anything else is a field error listing what this device can run.
import { describe, expect, it } from 'vitest';
import type { CachedModelInfo } from '../../src/runtime/model-cache';
import { chooseCheckpoint } from '../../src/worker/checkpoint-choice';
import { nodeEngine } from './node-model';
import { modelDir } from './reference';

const stored = (id: string, recordId: string, complete = true): CachedModelInfo => ({
  id, recordId, name: recordId, source: 'this app', fromDefault: true, bytes: 1, complete, createdAt: 0, lastUsed: 0, components: [],
});

describe('checkpoint', () => {
  const models = [stored('tiny-sdxl', 'tiny-sdxl'), stored('other--2', 'other-model'), stored('half', 'half-model', false)];

  it('octoai:lightning_sdxl and the loaded record id run on the loaded model', () => {
    expect(chooseCheckpoint('octoai:lightning_sdxl', 'tiny-sdxl', models)).toEqual({ kind: 'loaded' });
    expect(chooseCheckpoint('tiny-sdxl', 'tiny-sdxl', models)).toEqual({ kind: 'loaded' });
  });

  it('octoai:lightning_sdxl, named explicitly, means the stored Lightning record; without one, the loaded model', () => {
    const withLightning = [...models, stored('lightning--1', 'sdxl-lightning-4step-web-fp16')];
    expect(chooseCheckpoint('octoai:lightning_sdxl', 'tiny-sdxl', withLightning, true)).toEqual({ kind: 'load', folder: 'lightning--1' });
    // Absent from the body (the schema's default), it is the loaded model; so it is when Lightning is what is loaded.
    expect(chooseCheckpoint('octoai:lightning_sdxl', 'tiny-sdxl', withLightning, false)).toEqual({ kind: 'loaded' });
    expect(chooseCheckpoint('octoai:lightning_sdxl', 'sdxl-lightning-4step-web-fp16', withLightning, true)).toEqual({ kind: 'loaded' });
    expect(chooseCheckpoint('octoai:lightning_sdxl', 'tiny-sdxl', models, true)).toEqual({ kind: 'loaded' });
  });

  it('a stored model, by record id or folder, is loaded for the request', () => {
    expect(chooseCheckpoint('other-model', 'tiny-sdxl', models)).toEqual({ kind: 'load', folder: 'other--2' });
    expect(chooseCheckpoint('other--2', 'tiny-sdxl', models)).toEqual({ kind: 'load', folder: 'other--2' });
  });

  it('an unknown or half-downloaded model is a field error listing the usable names', () => {
    for (const name of ['nope', 'half-model']) {
      const c = chooseCheckpoint(name, 'tiny-sdxl', models);
      expect(c.kind).toBe('unknown');
      if (c.kind !== 'unknown') return;
      expect(c.error).toMatchObject({ loc: ['body', 'checkpoint'], type: 'unknown_name' });
      expect(c.error.msg).toContain('"octoai:lightning_sdxl", "tiny-sdxl", "other-model"');
      expect(c.error.msg.split('use one of ')[1]).not.toContain('half-model');
    }
  });

  it('the engine answers an unknown checkpoint with that field error (422), not a run on the wrong model', async () => {
    const engine = nodeEngine();
    expect((await engine.loadModel(modelDir)).ok).toBe(true);
    const r = await engine.generate('ck', { prompt: 'a cat', width: 64, height: 64, steps: 1, checkpoint: 'someone/else' });
    expect(!r.ok && r.error).toMatchObject({ code: 'invalid_request', detail: [{ loc: ['body', 'checkpoint'], type: 'unknown_name' }] });
  });
});
