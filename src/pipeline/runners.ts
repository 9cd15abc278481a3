// The small interface the pipeline needs from a model session; the runtime implements it with onnxruntime-web.
import type { Tensor, TensorType } from './tensor';

export interface ValueInfo {
  name: string;
  /** The declared element type; float16 models are fed float32 by the runner, which converts. */
  type: TensorType | string;
  /** Declared dims; symbolic dims are strings. A rank-0 input has []. */
  dims: readonly (number | string)[];
}

export interface ModelRunner {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Runs the model; returns the requested outputs (all when omitted) as float32/int CPU tensors. */
  run(feeds: Record<string, Tensor>, outputNames?: readonly string[]): Promise<Record<string, Tensor>>;
  /**
   * The same model for a run of calls in several shapes (a tiled VAE's edge tiles): where the runtime makes one session
   * per shape, this one serves every shape, so the calls do not create and evict sessions in turn. Optional.
   */
  forVaryingShapes?(): ModelRunner;
}

/** The SDXL components, already loaded. */
export interface SdxlModels {
  textEncoder: ModelRunner;
  textEncoder2: ModelRunner;
  unet: ModelRunner;
  vaeDecoder: ModelRunner;
}

export function inputInfo(runner: ModelRunner, name: string): ValueInfo {
  const info = runner.inputs.find((i) => i.name === name);
  if (!info) throw new Error(`model has no input "${name}" (inputs: ${runner.inputs.map((i) => i.name).join(', ')})`);
  return info;
}
