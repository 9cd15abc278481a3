// Everything a generation is checked against before it runs: the per-run options, the OctoAI body against the loaded
// model's rules, the fields this engine honours, and the VAE tiling decision. Problems come back as error data.
import type { SdxlComponents } from '../pipeline/generate';
import { IMPLEMENTED_SAMPLERS } from '../pipeline/schedulers';
import { unsupportedFields } from '../schema/engine-support';
import { parseGenerationOptions, type GenerationOptions } from '../schema/generation-options';
import type { EngineErrorData } from '../schema/response';
import { validateRequest, type ResolvedRequest } from '../schema/validate';
import type { ModelInfo } from '../runtime/load-sdxl';
import type { AdapterReport } from '../runtime/webgpu-adapter';
import { decideVaeTiling } from './vae-tiling';

export interface CheckContext {
  info: ModelInfo;
  adapter: AdapterReport;
  lowMemory: boolean;
  components: SdxlComponents;
}

export type CheckedRun = { ok: true; req: ResolvedRequest; options: GenerationOptions; tileLatent?: number } | { ok: false; error: EngineErrorData };

const invalid = (message: string, detail: EngineErrorData['detail']): CheckedRun => ({ ok: false, error: { code: 'invalid_request', message, detail } });

export function checkRun(body: unknown, rawOptions: unknown, ctx: CheckContext): CheckedRun {
  const parsed = parseGenerationOptions(rawOptions);
  if (!parsed.ok) return invalid('The generation options are invalid.', parsed.detail);
  const { info } = ctx;
  const v = validateRequest(body, { sizeRule: info.sizeRule, maxClipSkip: info.maxClipSkip }, info.defaultSize);
  if (!v.ok) return invalid('The request is invalid.', v.detail);
  const unsupported = unsupportedFields(v.request, { samplers: IMPLEMENTED_SAMPLERS });
  if (unsupported.length > 0) return { ok: false, error: { code: 'not_supported', message: 'The request uses fields this engine does not support yet.', detail: unsupported } };
  const req = v.request;
  const tiling = decideVaeTiling(parsed.value.vaeTiling, { adapter: ctx.adapter, lowMemory: ctx.lowMemory, components: ctx.components, width: req.width, height: req.height });
  if (!tiling.ok) return invalid('The generation options are invalid.', tiling.detail);
  return { ok: true, req, options: parsed.value, tileLatent: tiling.tileLatent };
}
