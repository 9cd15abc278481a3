// Static shapes: free dims read from the graphs, each call's dims checked against them, and the load-time shape guess.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { firstDims, shapeCapacity } from '../../src/runtime/load-shape';
import { declaredInputs, freeDimNames } from '../../src/runtime/onnx-input-dims';
import { concatBytes, lengthDelimited, stringField, varintField } from '../../src/runtime/protobuf';
import { dimValues, shapeKey } from '../../src/runtime/session-shapes';
import { modelDir } from './reference';

const graphOf = (c: string) => declaredInputs(readFileSync(`${modelDir}${c}/model.onnx`));
const shape = { width: 1024, height: 768, vaeScaleFactor: 8, unetBatch: 2, tokens: 77 };

describe('declared input dims', () => {
  it('reads the free dim names Optimum exports give each component', () => {
    expect(freeDimNames(graphOf('unet'))).toEqual(['batch_size', 'height', 'width', 'sequence_length']);
    expect(graphOf('unet').find((i) => i.name === 'timestep')!.dims).toEqual([]);
    expect(graphOf('unet').find((i) => i.name === 'encoder_hidden_states')!.dims).toEqual(['batch_size', 'sequence_length', 64]);
    expect(freeDimNames(graphOf('vae_decoder'))).toEqual(['batch_size', 'latent_height', 'latent_width']);
    expect(freeDimNames(graphOf('vae_encoder'))).toEqual(['batch_size', 'sample_height', 'sample_width']);
    expect(graphOf('text_encoder')).toEqual([{ name: 'input_ids', dims: ['batch_size', 'sequence_length'] }]);
  });

  it('reads fixed, named and unnamed dims from a hand-made graph', () => {
    const dim = (d: Uint8Array) => lengthDelimited(1, d);
    const shapeProto = concatBytes([dim(varintField(1, 3)), dim(stringField(2, 'n')), dim(new Uint8Array())]);
    const tensorType = concatBytes([varintField(1, 1), lengthDelimited(2, shapeProto)]);
    const input = concatBytes([stringField(1, 'x'), lengthDelimited(2, lengthDelimited(1, tensorType))]);
    const model = lengthDelimited(7, lengthDelimited(11, input));
    expect(declaredInputs(model)).toEqual([{ name: 'x', dims: [3, 'n', null] }]);
    expect(() => declaredInputs(varintField(1, 8))).toThrow(/no ONNX graph/);
  });
});

describe('dims of one call', () => {
  const unet = graphOf('unet');
  const feeds = (b: number, h: number, w: number, s: number, b2 = b) => ({
    sample: { dims: [b, 4, h, w] }, timestep: { dims: [] }, encoder_hidden_states: { dims: [b2, s, 64] }, text_embeds: { dims: [b, 32] }, time_ids: { dims: [b, 6] },
  });

  it('gives each free dim its value, and a key independent of input order', () => {
    const v = dimValues(unet, feeds(2, 8, 12, 154));
    expect(v).toEqual({ batch_size: 2, height: 8, width: 12, sequence_length: 154 });
    expect(shapeKey(v)).toBe('batch_size=2,height=8,sequence_length=154,width=12');
    expect(shapeKey({ width: 12, batch_size: 2, sequence_length: 154, height: 8 })).toBe(shapeKey(v));
  });

  it('refuses feeds that break the declaration, naming the input, the dim and the rule', () => {
    expect(() => dimValues(unet, feeds(2, 8, 8, 77, 1))).toThrow('Free dim "batch_size" is 2 in input "sample" but 1 in input "encoder_hidden_states"');
    expect(() => dimValues(unet, { ...feeds(1, 8, 8, 77), sample: { dims: [1, 4, 8] } })).toThrow('Input "sample" has 3 dims [1, 4, 8]; the model declares 4: [batch_size, 4, height, width].');
    expect(() => dimValues(unet, { ...feeds(1, 8, 8, 77), sample: { dims: [1, 3, 8, 8] } })).toThrow('Input "sample" dim 1 is 3; the model fixes it at 4');
    expect(() => dimValues(unet, { ...feeds(1, 8, 8, 77), sample: { dims: [1, 4, 0, 8] } })).toThrow('Input "sample" dim 2 is 0: dims must be positive integers.');
  });
});

describe('the load-time shape', () => {
  it('places batch, image size and tokens for every component', () => {
    expect(firstDims('unet', graphOf('unet'), shape)).toEqual({ batch_size: 2, height: 96, width: 128, sequence_length: 77 });
    expect(firstDims('text_encoder', graphOf('text_encoder'), shape)).toEqual({ batch_size: 1, sequence_length: 77 });
    expect(firstDims('vae_decoder', graphOf('vae_decoder'), shape)).toEqual({ batch_size: 1, latent_height: 96, latent_width: 128 });
    expect(firstDims('vae_encoder', graphOf('vae_encoder'), shape)).toEqual({ batch_size: 1, sample_height: 768, sample_width: 1024 });
  });

  it('leaves a graph with a free dim it cannot place, or none at all, to one free-shape session', () => {
    expect(firstDims('unet', [{ name: 'sample', dims: ['b', 'c', 'h', 'w'] }], shape)).toBeUndefined();
    expect(firstDims('unet', [{ name: 'x', dims: [1, 4] }], shape)).toBeUndefined();
  });

  it('keeps more shapes only for small components (each shape is a full copy of the weights)', () => {
    expect(shapeCapacity(9_044_502)).toBe(3); // the tiny UNet
    expect(shapeCapacity(197_960_796)).toBe(2); // the fp32 SDXL VAE decoder
    expect(shapeCapacity(5_134_927_368)).toBe(1); // the fp16 SDXL UNet
    expect(shapeCapacity(0)).toBe(1);
  });
});
