// A model folder's sdxl-web.json is untrusted: sizes no GPU could run, or a rule that refuses every size, are refused
// by name before any session is made (issue 10).
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { loadSdxl } from '../../src/runtime/load-sdxl';
import { RunClock } from '../../src/runtime/ort-runner';
import { MAX_OUTPUT_SIDE, parseWebManifest } from '../../src/schema/model-manifest';
import { dirModelFiles } from './node-model';
import { modelDir } from './reference';

describe('sdxl-web.json', () => {
  it("accepts the tiny model's own manifest and an empty one", () => {
    expect(parseWebManifest({ name: 'tiny', sizes: { min: 64, max: 1024, multiple: 8 }, default_size: [64, 64] }).sizes).toEqual({ min: 64, max: 1024, multiple: 8 });
    expect(parseWebManifest({})).toEqual({});
  });

  it('refuses sizes past the ceiling, a zero or odd multiple, min over max, and a default outside the rule, naming each', () => {
    expect(() => parseWebManifest({ sizes: { min: 1, max: 1e9, multiple: 1 } })).toThrow(/sizes\.min.*sizes\.max.*sizes\.multiple/);
    expect(() => parseWebManifest({ sizes: { min: 64, max: 1024, multiple: 0 } })).toThrow(/sizes\.multiple/);
    expect(() => parseWebManifest({ sizes: { min: 64, max: 1024, multiple: 12 } })).toThrow(/multiple of 8/);
    expect(() => parseWebManifest({ sizes: { min: 1024, max: 64, multiple: 8 } })).toThrow(/min must not exceed max/);
    expect(() => parseWebManifest({ sizes: { min: 64, max: 512, multiple: 8 }, default_size: [1024, 64] })).toThrow(/default_size/);
    expect(() => parseWebManifest({ default_size: [MAX_OUTPUT_SIDE + 8, 64] })).toThrow(/default_size/);
    expect(() => parseWebManifest([1, 2])).toThrow(/sdxl-web\.json is not valid/);
  });

  it('stops a model load with that message before any session exists', async () => {
    const files = dirModelFiles(modelDir);
    const hostile = { ...files, json: async <T>(path: string): Promise<T> => (path === 'sdxl-web.json' ? { sizes: { min: 1, max: 100000, multiple: 1 } } as T : files.json<T>(path)) };
    await expect(loadSdxl(hostile, { ort, provider: 'wasm', clock: new RunClock() })).rejects.toThrow(/sdxl-web\.json is not valid: sizes\.min/);
  });
});
