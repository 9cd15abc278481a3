// loadRefiner: a refiner folder (unet/, model_index.json, scheduler/) becomes its UNet session, and refiner configs the
// base cannot serve (widths, time ids, no aesthetic score) are refused with the file and the field named.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { ModelFileInvalidError } from '../../src/schema/file-check';
import { loadRefiner } from '../../src/runtime/load-refiner';
import type { ModelFiles } from '../../src/runtime/model-files';
import { clock, dirModelFiles, tinyModel } from './node-model';
import { modelDir, testDataDir } from './reference';

const refinerDir = `${testDataDir}tiny-sdxl-assets/refiner/`;
const options = { ort, provider: 'wasm' as const, clock };

/** The refiner folder with some JSON files edited, or some files taken from another folder. */
function edited(edits: Record<string, (json: Record<string, unknown>) => Record<string, unknown>>, from: Record<string, ModelFiles> = {}): ModelFiles {
  const files = dirModelFiles(refinerDir);
  return {
    ...files,
    bytes: (path, onBytes) => (from[path] ?? files).bytes(path, onBytes),
    json: async <T,>(path: string) => {
      const json = await files.json<Record<string, unknown>>(path);
      return (edits[path] ? edits[path](json) : json) as T;
    },
  };
}

const refused = async (files: ModelFiles) => {
  const e = await loadRefiner(files, await tinyModel(), options).then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ModelFileInvalidError);
  return e as ModelFileInvalidError;
};

describe('loadRefiner', () => {
  it("loads the fixture refiner: its UNet (5 time ids, text_encoder_2's width), scheduler config and model_index flags", async () => {
    const r = await loadRefiner(dirModelFiles(refinerDir), await tinyModel(), options);
    try {
      const dims = (name: string) => r.options.unet.inputs.find((i) => i.name === name)!.dims;
      expect(dims('time_ids').at(-1)).toBe(5);
      expect(dims('encoder_hidden_states').at(-1)).toBe(32);
      expect(r.options.forceZerosForEmptyPrompt).toBe(false);
      expect(r.options.schedulerConfig.timestep_spacing).toBe('trailing');
      expect(r.bytes).toBeGreaterThan(0);
    } finally {
      await r.release();
    }
  });

  it("refuses a UNet whose cross_attention_dim is not text_encoder_2's width", async () => {
    const e = await refused(edited({ 'unet/config.json': (j) => ({ ...j, cross_attention_dim: 64 }) }));
    expect(e.file).toMatch(/refiner\/unet\/config\.json$/);
    expect(e.message).toContain('cross_attention_dim: 64 ≠ 32');
  });

  it('refuses a UNet conditioned on 6 time ids (a base UNet), naming the count', async () => {
    const e = await refused(edited({ 'unet/config.json': (j) => ({ ...j, projection_class_embeddings_input_dim: 80 }) }));
    expect(e.message).toContain('projection_class_embeddings_input_dim: 80');
    expect(e.message).toContain('takes 6 time ids');
  });

  it('refuses a model_index.json without requires_aesthetics_score, or without a unet', async () => {
    const a = await refused(edited({ 'model_index.json': (j) => ({ ...j, requires_aesthetics_score: false }) }));
    expect(a.message).toContain('requires_aesthetics_score');
    const b = await refused(edited({ 'model_index.json': (j) => ({ ...j, unet: [null, null] }) }));
    expect(b.message).toContain('has no unet');
  });

  it("refuses an ONNX UNet whose declared inputs contradict its config (the base UNet's graph: 6 time ids, 64 wide)", async () => {
    const e = await refused(edited({}, { 'unet/model.onnx': dirModelFiles(modelDir) }));
    expect(e.file).toMatch(/refiner\/unet\/model\.onnx$/);
    expect(e.message).toContain('time_ids has 6 columns, not 5');
    expect(e.message).toContain('encoder_hidden_states is 64 wide');
  });
});
