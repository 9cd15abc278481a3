// One UNet evaluation with classifier-free guidance, fed in the dtypes and ranks the exported model declares.
import { f32 } from './float32-math';
import type { Conditioning } from './prompt-encoding';
import { inputInfo, type ModelRunner } from './runners';
import { concatBatch, floatTensor, type Tensor } from './tensor';

export interface UnetConditioning {
  batch: number;
  encoderHiddenStates: Tensor;
  textEmbeds: Tensor;
  timeIds: Tensor;
}

/** Batches [negative, positive] once per request; time_ids = (orig h, w, crop 0, 0, target h, w). */
export function unetConditioning(cond: Conditioning, height: number, width: number): UnetConditioning {
  const parts = cond.negative ? [cond.negative, cond.positive] : [cond.positive];
  const batch = parts.length;
  const seqLen = cond.positive.seqLen;
  const hiddenWidth = cond.positive.embeds.length / seqLen;
  const timeIds = new Float32Array(6 * batch);
  for (let b = 0; b < batch; b++) timeIds.set([height, width, 0, 0, height, width], b * 6);
  return {
    batch,
    encoderHiddenStates: floatTensor(concatBatch(parts.map((p) => p.embeds)), [batch, seqLen, hiddenWidth]),
    textEmbeds: floatTensor(concatBatch(parts.map((p) => p.pooled)), [batch, cond.positive.pooled.length]),
    timeIds: floatTensor(timeIds, [batch, 6]),
  };
}

/** The timestep as the model wants it: a rank-0 float (current Optimum) or a 1-D int64 (older exports). */
export function timestepTensor(unet: ModelRunner, t: number): Tensor {
  const info = inputInfo(unet, 'timestep');
  const dims = info.dims.length === 0 ? [] : [1];
  if (info.type === 'int64') return { type: 'int64', data: BigInt64Array.of(BigInt(Math.trunc(t))), dims };
  if (info.type === 'int32') return { type: 'int32', data: Int32Array.of(Math.trunc(t)), dims };
  return floatTensor(Float32Array.of(t), dims);
}

/**
 * How classifier-free guidance meets the UNet: 'batched' = one batch-2 call [negative, positive] (diffusers' way);
 * 'split' = two batch-1 calls. Same numbers either way; the README's Performance section has the measurements.
 */
export type CfgBatch = 'batched' | 'split';

/** Predicts noise for `modelInput` [1,4,h,w] and applies guidance: uncond + g·(text − uncond). */
export async function predictNoise(
  unet: ModelRunner, cond: UnetConditioning, modelInput: Float32Array, latentDims: readonly number[], t: number, guidance: number,
  cfgBatch: CfgBatch = 'batched',
): Promise<Float32Array> {
  if (cond.batch === 1) return runUnet(unet, cond, modelInput, latentDims, t);
  const [uncond, text] = cfgBatch === 'split'
    ? [await runUnet(unet, conditioningItem(cond, 0), modelInput, latentDims, t), await runUnet(unet, conditioningItem(cond, 1), modelInput, latentDims, t)]
    : splitHalves(await runUnet(unet, cond, concatBatch([modelInput, modelInput]), latentDims, t));
  const n = modelInput.length;
  const guided = new Float32Array(n);
  const g = f32(guidance);
  for (let i = 0; i < n; i++) {
    const u = uncond[i]!;
    guided[i] = f32(u + f32(g * f32(text[i]! - u)));
  }
  return guided;
}

/** One UNet call on `sample` ([cond.batch, C, h, w] flattened); returns its first output. */
async function runUnet(unet: ModelRunner, cond: UnetConditioning, sample: Float32Array, latentDims: readonly number[], t: number): Promise<Float32Array> {
  const out = await unet.run(
    {
      sample: floatTensor(sample, [cond.batch, ...latentDims.slice(1)]),
      timestep: timestepTensor(unet, t),
      encoder_hidden_states: cond.encoderHiddenStates,
      text_embeds: cond.textEmbeds,
      time_ids: cond.timeIds,
    },
    [unet.outputs[0]!.name],
  );
  return Object.values(out)[0]!.data as Float32Array;
}

function splitHalves(pred: Float32Array): [Float32Array, Float32Array] {
  const n = pred.length / 2;
  return [pred.subarray(0, n), pred.subarray(n)];
}

const items = new WeakMap<UnetConditioning, UnetConditioning[]>();

/** Batch item `b` of the conditioning as a batch-1 conditioning (made once per request). */
function conditioningItem(cond: UnetConditioning, b: number): UnetConditioning {
  let list = items.get(cond);
  if (!list) {
    const item = (t: Tensor, i: number): Tensor => {
      const per = t.data.length / cond.batch;
      return floatTensor((t.data as Float32Array).slice(i * per, (i + 1) * per), [1, ...t.dims.slice(1)]);
    };
    list = Array.from({ length: cond.batch }, (_, i) => ({
      batch: 1, encoderHiddenStates: item(cond.encoderHiddenStates, i), textEmbeds: item(cond.textEmbeds, i), timeIds: item(cond.timeIds, i),
    }));
    items.set(cond, list);
  }
  return list[b]!;
}
