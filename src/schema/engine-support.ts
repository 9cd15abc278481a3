// Which valid request fields this engine can honour today; the rest are refused by name, never ignored.
import type { FieldError } from './response';
import type { ResolvedRequest } from './validate';

/** What the running engine can do; the pipeline supplies the sampler list. */
export interface EngineCapabilities {
  samplers: readonly string[];
}

const notSupported = (field: string, msg: string): FieldError => ({
  loc: ['body', field], msg: `${field} is not supported yet: ${msg}`, type: 'not_supported',
});

export function unsupportedFields(r: ResolvedRequest, caps: EngineCapabilities): FieldError[] {
  const out: FieldError[] = [];
  if (!caps.samplers.includes(r.sampler)) out.push(notSupported('sampler', `use one of ${caps.samplers.join(', ')}.`));
  if (r.high_noise_frac !== undefined && !r.use_refiner) out.push(notSupported('high_noise_frac', 'it only applies with the refiner (use_refiner: true); remove it or turn the refiner on.'));
  // ControlNet and transfer images (fields of @octoai/sdk's ImageGenerationRequest) need models this engine does not load.
  const controlnet = 'no ControlNet model runs in this engine; remove it.';
  if (r.controlnet !== undefined) out.push(notSupported('controlnet', controlnet));
  if (r.controlnet_image !== undefined) out.push(notSupported('controlnet_image', controlnet));
  if (r.controlnet_conditioning_scale !== undefined) out.push(notSupported('controlnet_conditioning_scale', controlnet));
  if (r.controlnet_early_stop !== undefined) out.push(notSupported('controlnet_early_stop', controlnet));
  if (r.controlnet_preprocess) out.push(notSupported('controlnet_preprocess', 'no ControlNet model runs in this engine; remove it or set it to false.'));
  if (r.transfer_images && Object.keys(r.transfer_images).length > 0) out.push(notSupported('transfer_images', 'remove them.'));
  return out;
}
