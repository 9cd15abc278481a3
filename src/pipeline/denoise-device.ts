// The denoising loop kept on the device: latents, UNet outputs and history never come back to the CPU; each step
// uploads only its scalars (timestep, coefficients), and the decoded image comes back once, as RGBA bytes.
import { afterDecode, afterStep, beforeDecode, beforeStep, type LoopHooks } from './denoise-hooks';
import type { DeviceRun, DeviceTensor } from './device-loop';
import type { ImageStart } from './image-start';
import type { ModelRunner } from './runners';
import { isLinearStepper, type LinearStepper } from './schedulers/linear-step';
import type { Scheduler } from './schedulers';
import { floatTensor } from './tensor';
import { timestepTensor, type UnetConditioning } from './unet-call';
import { runSteps, type DenoisedImage } from './denoise-cpu';
import type { RefinerStage } from './refiner-stage';
import { inputInfo } from './runners';
import { projectLatents, type LatentPreview } from './latent-preview';

/** The conditioning uploaded once per request. */
export interface DeviceConditioning {
  batch: number;
  encoderHiddenStates: DeviceTensor;
  textEmbeds: DeviceTensor;
  timeIds: DeviceTensor;
}

export interface DeviceLoopModels {
  unet: ModelRunner;
  vaeScalingFactor: number;
}

/** Whether this scheduler's steps can run on the device (a ported sampler, in a linear configuration). */
export function runsOnDevice(scheduler: Scheduler): scheduler is Scheduler & LinearStepper {
  return isLinearStepper(scheduler) && scheduler.linearStepSupported();
}

export async function uploadConditioning(run: DeviceRun, unet: ModelRunner, cond: UnetConditioning): Promise<DeviceConditioning> {
  return {
    batch: cond.batch,
    encoderHiddenStates: await run.upload(cond.encoderHiddenStates, inputInfo(unet, 'encoder_hidden_states').type),
    textEmbeds: await run.upload(cond.textEmbeds, inputInfo(unet, 'text_embeds').type),
    timeIds: await run.upload(cond.timeIds, inputInfo(unet, 'time_ids').type),
  };
}

/**
 * One image through the device loop. Stochastic samplers' noise is drawn from the image's generator up front, in the
 * order `step` would draw it, and uploaded once. With `keepIntermediates` the final latents and the decoder's raw
 * output are read back too (tests compare them with diffusers); otherwise the pixels are the only readback. With a
 * refiner, the base's steps run here and the refiner's in the JS loop (its UNet is a session of its own, and its draws
 * follow the base's): one readback of the hand-over latents, one upload of the refined ones to decode. Previews, when
 * asked for, read back each step's x₀ (latent size) as well; without them no step reads anything.
 */
export async function denoiseOnDevice(
  run: DeviceRun, m: DeviceLoopModels, cond: DeviceConditioning, start: ImageStart & { scheduler: LinearStepper },
  latentDims: readonly number[], cfgScale: number, hooks: LoopHooks, now: () => number, keepIntermediates: boolean, refiner?: RefinerStage,
): Promise<DenoisedImage> {
  const { scheduler, timesteps, known } = start;
  const steps = timesteps.length;
  const total = steps + (refiner?.timesteps.length ?? 0);
  const numel = latentDims.reduce((a, b) => a * b, 1);
  let x = await run.upload(floatTensor(start.latents, latentDims));
  const noise = scheduler.usesStepNoise ? await run.upload(floatTensor(drawAll(start, steps, numel), [steps, ...latentDims])) : undefined;
  const blend = known && {
    known: await run.upload(floatTensor(known.latents, latentDims)),
    knownNoise: await run.upload(floatTensor(known.noise, latentDims)),
    mask: await run.upload(floatTensor(known.mask, [1, 1, latentDims[2]!, latentDims[3]!])),
  };
  let history: DeviceTensor | undefined;
  let carry: DeviceTensor | undefined;
  for (const [i, t] of timesteps.entries()) {
    await beforeStep(hooks);
    const sample = await run.modelInput(x, scheduler.modelInputDivisor(), cond.batch);
    const out = await run.unet({ sample, timestep: timestepTensor(m.unet, t), encoderHiddenStates: cond.encoderHiddenStates, textEmbeds: cond.textEmbeds, timeIds: cond.timeIds });
    run.free(sample);
    const coefficients = scheduler.linearStep(t);
    const nextT = timesteps[i + 1];
    const next = await run.step({
      sample: x, modelOutput: out, guidance: cfgScale, coefficients, history,
      noise: noise && { all: noise, index: i },
      blend: blend && { ...blend, ...(nextT === undefined ? { a: 1, b: 0 } : scheduler.noiseCoefficients(nextT)) },
      takesHistory: scheduler.usesHistory,
      keepX0: scheduler.usesHistory || !!hooks.preview,
      ...(scheduler.usesCarry ? { takesCarry: true, carry } : {}),
    });
    run.free(out);
    run.free(x);
    run.free(history);
    run.free(carry);
    carry = next.carry;
    x = next.prev;
    const preview: LatentPreview | undefined = hooks.preview && next.x0 ? projectLatents(await run.read(next.x0), latentDims) : undefined;
    history = scheduler.usesHistory ? next.x0 : undefined;
    if (!scheduler.usesHistory) run.free(next.x0);
    await afterStep(hooks, i + 1, total, preview);
  }
  for (const t of [history, carry, noise, blend?.known, blend?.knownNoise, blend?.mask]) run.free(t);
  let handoverLatents: Float32Array | undefined;
  if (refiner) {
    handoverLatents = await run.read(x);
    run.free(x);
    x = await run.upload(floatTensor(await runSteps(refiner, handoverLatents, latentDims, cfgScale, hooks, 'batched', steps, total), latentDims));
  }
  const loopEndAt = now();
  await beforeDecode(hooks, total);
  const t1 = now();
  const pixels = await run.decodeToPixels(x, m.vaeScalingFactor, keepIntermediates);
  const decodeMs = now() - t1;
  const finalLatents = keepIntermediates ? await run.read(x) : undefined;
  run.free(x);
  await afterDecode(hooks);
  return { decoded: { rgba: pixels.rgba, width: pixels.width, height: pixels.height, sample: pixels.sample }, finalLatents, handoverLatents, loopEndAt, decodeMs };
}

/** Every step's noise, drawn in step order (nothing else draws from the generator during the loop). */
function drawAll(start: ImageStart, steps: number, numel: number): Float32Array {
  const all = new Float32Array(steps * numel);
  for (let i = 0; i < steps; i++) all.set(start.stepNoise.randn(numel), i * numel);
  return all;
}
