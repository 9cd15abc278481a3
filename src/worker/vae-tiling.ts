// Decides, per request, whether the VAE decodes in tiles: the page's setting, checked, or the automatic rule against
// the adapter's buffer limit and the low-memory setting.
import type { SdxlComponents } from '../pipeline/generate';
import { chooseVaeTiling, type TilingChoice } from '../pipeline/vae-memory';
import type { FieldError } from '../schema/response';
import { parseVaeTiling } from '../schema/vae-tiling';
import type { AdapterReport } from '../runtime/webgpu-adapter';

export interface VaeTilingContext {
  adapter: AdapterReport;
  lowMemory: boolean;
  components: SdxlComponents;
  width: number;
  height: number;
}

export type VaeTilingDecision = { ok: true; tileLatent?: number; auto?: TilingChoice } | { ok: false; detail: FieldError[] };

/** The adapter's limit on one GPU buffer (a tensor is one buffer); undefined on the wasm EP. */
export function adapterBufferLimit(adapter: AdapterReport): number | undefined {
  if (adapter.provider !== 'webgpu') return undefined;
  const limits = [adapter.maxStorageBufferBindingSize, adapter.maxBufferSize].filter((v): v is number => v !== undefined);
  return limits.length > 0 ? Math.min(...limits) : undefined;
}

export function decideVaeTiling(option: unknown, ctx: VaeTilingContext): VaeTilingDecision {
  const parsed = parseVaeTiling(option);
  if (!parsed.ok) {
    return { ok: false, detail: parsed.issues.map((i) => ({ loc: ['options', 'vaeTiling', ...i.path], msg: `vaeTiling${i.path.map((p) => `.${p}`).join('')} ${i.msg}.`, type: 'value_error' })) };
  }
  const { components: c } = ctx;
  const value = parsed.value;
  if (value === 'off') return { ok: true };
  if (typeof value === 'object') {
    const step = 4 * c.vaeScaleFactor;
    if (value.tileSize % step !== 0) {
      const msg = `vaeTiling.tileSize must be a multiple of ${step} pixels (4 latents, so the 25 % overlap falls on whole latents); got ${value.tileSize}.`;
      return { ok: false, detail: [{ loc: ['options', 'vaeTiling', 'tileSize'], msg, type: 'value_error' }] };
    }
    return { ok: true, tileLatent: value.tileSize / c.vaeScaleFactor };
  }
  if (!c.vaeShape) return { ok: true };
  const precision = c.vaeDecoder.inputs[0]?.type === 'float16' ? 'fp16' : 'fp32';
  const auto = chooseVaeTiling(c.vaeShape, ctx.height / c.vaeScaleFactor, ctx.width / c.vaeScaleFactor, precision, {
    maxBufferBytes: adapterBufferLimit(ctx.adapter), lowMemory: ctx.lowMemory,
  });
  return { ok: true, tileLatent: auto.tileLatent, auto };
}
