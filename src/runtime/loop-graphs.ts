// The device loop's small ONNX graphs (model input, guided linear step, VAE input, pixels, copies), built in TS so the
// same graphs run on onnxruntime-web's WebGPU EP, onnxruntime-node's, and the CPU EPs the unit tests use.
import type { ElemType, GraphSpec, NodeSpec, ValueSpec } from './onnx-writer';

const LATENT: readonly string[] = ['n', 'c', 'h', 'w'];
const v = (name: string, type: ElemType, dims: readonly (number | string)[] = LATENT): ValueSpec => ({ name, type, dims });

/** Order of the step graph's `coefs` input. */
export const STEP_COEFS = ['g', 'ax', 'ae', 'cx', 'ce', 'c0', 'ch', 'cn', 'ka', 'kb', 'ck', 'dx', 'd0', 'dh', 'dk'] as const;
/** The coefficients only a carrying sampler's graph reads. */
const CARRY_COEFS: readonly string[] = ['ck', 'dx', 'd0', 'dh', 'dk'];

/** x → y converted to `to` (Identity when the types agree): an upload or a readback, by where its output lives. */
export function copyGraph(from: ElemType, to: ElemType): GraphSpec {
  return {
    name: 'copy',
    inputs: [{ name: 'x', type: from }],
    outputs: [{ name: 'y', type: to }],
    nodes: [from === to ? { op: 'Identity', inputs: ['x'], outputs: ['y'] } : { op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: elemCode(to) } }],
  };
}

const elemCode = (t: ElemType) => ({ float32: 1, uint8: 2, int32: 6, int64: 7, float16: 10 })[t];
const cast = (from: string, to: string, type: ElemType): NodeSpec => ({ op: 'Cast', inputs: [from], outputs: [to], attrs: { to: elemCode(type) } });

/** sample = concat(x / divisor × batch) in the UNet's sample type. */
export function modelInputGraph(batch: number, sampleType: ElemType): GraphSpec {
  const nodes: NodeSpec[] = [{ op: 'Div', inputs: ['latents', 'divisor'], outputs: ['scaled'] }];
  let last = 'scaled';
  if (batch > 1) {
    nodes.push({ op: 'Concat', inputs: Array(batch).fill('scaled'), outputs: ['batched'], attrs: { axis: 0 } });
    last = 'batched';
  }
  nodes.push(sampleType === 'float32' ? { op: 'Identity', inputs: [last], outputs: ['sample'] } : cast(last, 'sample', sampleType));
  return {
    name: 'model_input',
    inputs: [v('latents', 'float32'), v('divisor', 'float32', [1])],
    outputs: [v('sample', sampleType)],
    nodes,
  };
}

export interface StepGraphOptions {
  guided: boolean;
  outputType: ElemType;
  /** Takes the previous step's x₀ (`history`). */
  history: boolean;
  /** Outputs x₀ (for history, or a preview). */
  x0: boolean;
  noise: boolean;
  blend: boolean;
  /** Takes the carried tensor (`carry`) and outputs the next (`carry_out`); needs `history`. */
  carry?: boolean;
}

export const stepGraphKey = (o: StepGraphOptions) => `step:${o.guided ? 'g' : '-'}${o.outputType}${o.history ? 'h' : '-'}${o.x0 ? 'x' : '-'}${o.noise ? 'n' : '-'}${o.blend ? 'b' : '-'}${o.carry ? 'k' : '-'}`;

/**
 * ε = u + g·(c − u) (or the output itself), x₀ = ax·x + ae·ε, x' = cx·x + ce·ε + c0·x₀ [+ ch·h] [+ cn·noise[i]]
 * [+ ck·k], then the inpainting blend x' = (1 − m)·(ka·known + kb·knownNoise) + m·x'. Outputs x', x₀ when asked, and
 * with `carry` the next carried tensor k' = dx·x + d0·x₀ + dh·h + dk·k.
 */
export function stepGraph(o: StepGraphOptions): GraphSpec {
  if (o.carry && !o.history) throw new Error('a carrying step graph takes the history too');
  // One Gather per coefficient: a 10-way Split needs 11 storage buffers in one shader, over WebGPU's usual limit of 10.
  const used = STEP_COEFS.map((name, k) => [name, k] as const).filter(([name]) => o.carry || !CARRY_COEFS.includes(name));
  const nodes: NodeSpec[] = used.map(([name, k]) => ({ op: 'Gather', inputs: ['coefs', `index_${k}`], outputs: [name], attrs: { axis: 0 } }));
  const inputs: ValueSpec[] = [v('sample', 'float32'), v('model_output', o.outputType, ['b', 'c', 'h', 'w']), v('coefs', 'float32', [STEP_COEFS.length])];
  const op = (kind: string, a: string, b: string, out: string) => nodes.push({ op: kind, inputs: [a, b], outputs: [out] });
  let out = 'model_output';
  if (o.outputType !== 'float32') {
    nodes.push(cast(out, 'out32', 'float32'));
    out = 'out32';
  }
  if (o.guided) {
    nodes.push({ op: 'Split', inputs: [out], outputs: ['uncond', 'text'], attrs: { axis: 0 } });
    op('Sub', 'text', 'uncond', 'diff');
    op('Mul', 'g', 'diff', 'gdiff');
    op('Add', 'uncond', 'gdiff', 'eps');
  } else nodes.push({ op: 'Identity', inputs: [out], outputs: ['eps'] });
  /** out = Σ coefficient·tensor (two terms or more), each product then each sum one node, added left to right. */
  const combine = (out: string, terms: readonly (readonly [string, string])[]) => {
    terms.forEach(([c, t], k) => op('Mul', c, t, `${out}_t${k}`));
    let sum = `${out}_t0`;
    for (let k = 1; k < terms.length; k++) {
      const next = k === terms.length - 1 ? out : `${out}_s${k}`;
      op('Add', sum, `${out}_t${k}`, next);
      sum = next;
    }
  };
  combine('x0', [['ax', 'sample'], ['ae', 'eps']]);
  const terms: (readonly [string, string])[] = [['cx', 'sample'], ['ce', 'eps'], ['c0', 'x0']];
  if (o.history) {
    inputs.push(v('history', 'float32'));
    terms.push(['ch', 'history']);
  }
  if (o.carry) {
    inputs.push(v('carry', 'float32'));
    terms.push(['ck', 'carry']);
    combine('carry_out', [['dx', 'sample'], ['d0', 'x0'], ['dh', 'history'], ['dk', 'carry']]);
  }
  if (o.noise) {
    inputs.push(v('noise', 'float32', ['s', 1, 'c', 'h', 'w']), v('noise_index', 'int32', []));
    nodes.push({ op: 'Gather', inputs: ['noise', 'noise_index'], outputs: ['noise_i'], attrs: { axis: 0 } });
    terms.push(['cn', 'noise_i']);
  }
  combine('stepped', terms);
  let prev = 'stepped';
  if (o.blend) {
    inputs.push(v('known', 'float32'), v('known_noise', 'float32'), v('mask', 'float32', [1, 1, 'h', 'w']));
    combine('proper', [['ka', 'known'], ['kb', 'known_noise']]);
    op('Sub', 'one', 'mask', 'inv_mask');
    op('Mul', 'inv_mask', 'proper', 'kept');
    op('Mul', 'mask', prev, 'painted');
    op('Add', 'kept', 'painted', 'p5');
    prev = 'p5';
  }
  nodes.push({ op: 'Identity', inputs: [prev], outputs: ['prev_sample'] });
  const outputs = [v('prev_sample', 'float32')];
  if (o.x0) outputs.push(v('x0', 'float32'));
  if (o.carry) outputs.push(v('carry_out', 'float32'));
  return {
    name: 'linear_step',
    inputs,
    outputs,
    nodes,
    constants: [
      ...used.map(([, k]) => ({ name: `index_${k}`, type: 'int32' as const, dims: [1], values: [k] })),
      ...(o.blend ? [{ name: 'one', type: 'float32' as const, dims: [1], values: [1] }] : []),
    ],
  };
}

/** latents / scaling factor, in the decoder's input type. */
export function vaeInputGraph(latentType: ElemType): GraphSpec {
  return {
    name: 'vae_input',
    inputs: [v('latents', 'float32'), v('scaling_factor', 'float32', [1])],
    outputs: [v('z', latentType)],
    nodes: [
      { op: 'Div', inputs: ['latents', 'scaling_factor'], outputs: [latentType === 'float32' ? 'z' : 'z32'] },
      ...(latentType === 'float32' ? [] : [cast('z32', 'z', latentType)]),
    ],
  };
}

/**
 * numpy's round (half to even) for 0 ≤ x ≤ 255 from ops every EP has (the WebGPU EP has no Round): r = ⌊x + ½⌋, less 1
 * on an exact tie (r − x = ½) when r is odd. All steps are exact in float32 below 256.
 */
function roundHalfEven(x: string, out: string): NodeSpec[] {
  return [
    { op: 'Add', inputs: [x, 'point_five'], outputs: ['x_half'] },
    { op: 'Floor', inputs: ['x_half'], outputs: ['r'] },
    { op: 'Sub', inputs: ['r', x], outputs: ['d'] },
    { op: 'Mul', inputs: ['d', 'two'], outputs: ['d2'] },
    { op: 'Floor', inputs: ['d2'], outputs: ['d2_floor'] },
    { op: 'Relu', inputs: ['d2_floor'], outputs: ['tie'] },
    { op: 'Div', inputs: ['r', 'two'], outputs: ['r_half'] },
    { op: 'Floor', inputs: ['r_half'], outputs: ['r_half_floor'] },
    { op: 'Sub', inputs: ['r_half', 'r_half_floor'], outputs: ['r_frac'] },
    { op: 'Mul', inputs: ['r_frac', 'two'], outputs: ['odd'] },
    { op: 'Mul', inputs: ['tie', 'odd'], outputs: ['correction'] },
    { op: 'Sub', inputs: ['r', 'correction'], outputs: [out] },
  ];
}

/**
 * diffusers' postprocessing, clamp(x/2 + 0.5, 0, 1)·255 rounded half to even, packed as one int32 per pixel whose
 * little-endian bytes are R, G, B, 255 (WebGPU has no 8-bit storage; the bytes read back are the RGBA image).
 */
export function pixelsGraph(sampleType: ElemType): GraphSpec {
  const nodes: NodeSpec[] = [];
  let x = 'sample';
  if (sampleType !== 'float32') {
    nodes.push(cast(x, 'sample32', 'float32'));
    x = 'sample32';
  }
  nodes.push(
    { op: 'Div', inputs: [x, 'two'], outputs: ['half'] },
    { op: 'Add', inputs: ['half', 'point_five'], outputs: ['shifted'] },
    { op: 'Clip', inputs: ['shifted', 'zero', 'one'], outputs: ['clamped'] },
    { op: 'Mul', inputs: ['clamped', 'f255'], outputs: ['scaled'] },
    ...roundHalfEven('scaled', 'rounded'),
    cast('rounded', 'ints', 'int32'),
    { op: 'Split', inputs: ['ints'], outputs: ['red', 'green', 'blue'], attrs: { axis: 1 } },
    { op: 'Mul', inputs: ['green', 'i256'], outputs: ['g8'] },
    { op: 'Mul', inputs: ['blue', 'i65536'], outputs: ['b16'] },
    { op: 'Add', inputs: ['red', 'g8'], outputs: ['rg'] },
    { op: 'Add', inputs: ['rg', 'b16'], outputs: ['rgb'] },
    { op: 'Add', inputs: ['rgb', 'alpha'], outputs: ['rgba'] },
  );
  return {
    name: 'pixels',
    inputs: [v('sample', sampleType, [1, 3, 'H', 'W'])],
    outputs: [v('rgba', 'int32', [1, 1, 'H', 'W'])],
    nodes,
    constants: [
      { name: 'two', type: 'float32', dims: [], values: [2] },
      { name: 'point_five', type: 'float32', dims: [], values: [0.5] },
      { name: 'zero', type: 'float32', dims: [], values: [0] },
      { name: 'one', type: 'float32', dims: [], values: [1] },
      { name: 'f255', type: 'float32', dims: [], values: [255] },
      { name: 'i256', type: 'int32', dims: [], values: [256] },
      { name: 'i65536', type: 'int32', dims: [], values: [65536] },
      // 255 << 24 as a signed 32-bit value: adding it sets the top byte without overflowing (r + g·2⁸ + b·2¹⁶ < 2²⁴).
      { name: 'alpha', type: 'int32', dims: [], values: [-16777216] },
    ],
  };
}
