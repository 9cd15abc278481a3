// What the pipeline needs to keep the denoising loop on the device: tensors that stay where the models run, the UNet
// fed with them, the scheduler step as a linear combination, and the decoder straight to RGBA bytes.
import type { LinearStep } from './schedulers/linear-step';
import type { Tensor, TensorType } from './tensor';

/** A tensor that lives with the models (a GPU buffer on WebGPU); opaque to the pipeline. */
export interface DeviceTensor {
  readonly dims: readonly number[];
}

export interface StepInputs {
  /** Latents x [1,C,H,W]. */
  sample: DeviceTensor;
  /** The UNet's output, [2,C,H,W] (negative, positive) with guidance or [1,C,H,W] without. */
  modelOutput: DeviceTensor;
  guidance: number;
  coefficients: LinearStep;
  /** The previous step's x₀ (multistep samplers); coefficient ch is 0 when there is none yet. */
  history?: DeviceTensor;
  /** All steps' noise [S,1,C,H,W] and the row this step takes. */
  noise?: { all: DeviceTensor; index: number };
  /** Inpainting: x' ← (1 − m)·(a·known + b·knownNoise) + m·x'. */
  blend?: { known: DeviceTensor; knownNoise: DeviceTensor; mask: DeviceTensor; a: number; b: number };
  /** The sampler feeds x₀ back (the graph takes `history`; ch is 0 until there is one). */
  takesHistory: boolean;
  /** The carried tensor the previous step made (UniPC); its coefficients are 0 until there is one. */
  carry?: DeviceTensor;
  /** The sampler carries a tensor from step to step (the graph takes `carry` and returns the next). */
  takesCarry?: boolean;
  /** Return x₀ as well (the next step's history, or a preview's source). */
  keepX0: boolean;
}

export interface UnetDeviceFeeds {
  sample: DeviceTensor;
  /** The timestep as the model declares it (a CPU scalar: a few bytes uploaded per step). */
  timestep: Tensor;
  encoderHiddenStates: DeviceTensor;
  textEmbeds: DeviceTensor;
  timeIds: DeviceTensor;
}

export interface DevicePixels {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  /** The raw decoder output [1,3,H,W], read back only when asked for (tests compare it with diffusers). */
  sample?: Float32Array;
}

/** One request's device work. Every tensor it hands out is freed by `release`, which must run (finally). */
export interface DeviceRun {
  /** Uploads a CPU tensor once, converted to `as` (a float16 model input) when given. */
  upload(t: Tensor, as?: TensorType | string): Promise<DeviceTensor>;
  /** scaleModelInput (x / divisor), repeated `batch` times along the batch axis, in the UNet's sample type. */
  modelInput(latents: DeviceTensor, divisor: number, batch: number): Promise<DeviceTensor>;
  unet(feeds: UnetDeviceFeeds): Promise<DeviceTensor>;
  step(inputs: StepInputs): Promise<{ prev: DeviceTensor; x0?: DeviceTensor; carry?: DeviceTensor }>;
  /** latents / scalingFactor → VAE decoder → clamp, scale, round, RGBA bytes: the image's only readback. */
  decodeToPixels(latents: DeviceTensor, scalingFactor: number, keepSample: boolean): Promise<DevicePixels>;
  /** Reads a tensor back as float32 (tests and previews only: the loop itself never reads). */
  read(t: DeviceTensor): Promise<Float32Array>;
  /** Frees a tensor now (those not freed are freed by release). */
  free(t: DeviceTensor | undefined): void;
  release(): void;
}

export interface DeviceLoop {
  begin(): DeviceRun;
}
