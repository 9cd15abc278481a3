// A LoRA file's tensor names (kohya/SGM, diffusers/PEFT, older diffusers forms) to the module and role each one gives.
import type { LoraComponent } from './lora-types';
import { diffusersFromSgm } from './sgm-blocks';
import { dottedFromUnderscored, isModulePath } from './lora-names';

/** down = lora_down / lora_A, up = lora_up / lora_B; extra = a tensor of a LoRA variant this loader cannot apply (DoRA, LoCon mid). */
export type LoraRole = 'down' | 'up' | 'alpha' | 'extra';

export interface LoraKeyTarget {
  component: LoraComponent;
  /** diffusers' module path in that component. */
  module: string;
  role: LoraRole;
}

/** Name endings, longest first; `processor` marks the old attention-processor form (`attn1.processor.to_q_lora.down.weight`). */
const SUFFIXES: readonly { end: string; role: LoraRole; processor?: boolean }[] = [
  { end: '.lora_linear_layer.down.weight', role: 'down' }, { end: '.lora_linear_layer.up.weight', role: 'up' },
  { end: '_lora.down.weight', role: 'down', processor: true }, { end: '_lora.up.weight', role: 'up', processor: true },
  { end: '.lora_down.weight', role: 'down' }, { end: '.lora_up.weight', role: 'up' },
  { end: '.lora.down.weight', role: 'down' }, { end: '.lora.up.weight', role: 'up' },
  { end: '.lora_A.weight', role: 'down' }, { end: '.lora_B.weight', role: 'up' },
  { end: '.lora_magnitude_vector.weight', role: 'extra' }, { end: '.lora_magnitude_vector', role: 'extra' },
  { end: '.lora_mid.weight', role: 'extra' }, { end: '.dora_scale', role: 'extra' },
  { end: '.alpha', role: 'alpha' },
];

const KOHYA: readonly [string, LoraComponent][] = [
  ['lora_unet_', 'unet'], ['lora_te1_', 'text_encoder'], ['lora_te2_', 'text_encoder_2'], ['lora_te_', 'text_encoder'],
];
const PEFT: readonly [string, LoraComponent][] = [['unet.', 'unet'], ['text_encoder.', 'text_encoder'], ['text_encoder_2.', 'text_encoder_2']];

/** The CLIP layers diffusers puts LoRA layers on. */
const TEXT_MODULE = /^text_model\.encoder\.layers\.\d+\.(self_attn\.(q|k|v|out)_proj|mlp\.fc[12])$/;
/** Top-level UNet modules (diffusers names) a diffusers-style key may start with. */
const UNET_ROOT = /^(down_blocks|mid_block|up_blocks|conv_in|conv_out|time_embedding|add_embedding)(\.|$)/;
const SGM_ROOT = /^(input_blocks|middle_block|output_blocks)\./;
const TEXT_PROCESSOR: Record<string, string> = { to_q: 'q_proj', to_k: 'k_proj', to_v: 'v_proj', to_out: 'out_proj' };

function checked(component: LoraComponent, module: string | null, role: LoraRole): LoraKeyTarget | null {
  if (module === null || !isModulePath(module)) return null;
  if (component === 'unet' ? !UNET_ROOT.test(module) : !TEXT_MODULE.test(module)) return null;
  return { component, module, role };
}

/** `…attn1.processor.to_out` → `…attn1.to_out.0` (UNet); `…self_attn.to_q` → `…self_attn.q_proj` (text encoders). */
function fromProcessor(component: LoraComponent, base: string): string | null {
  const m = /^(.*)\.(to_q|to_k|to_v|to_out)$/.exec(base);
  if (!m) return null;
  const [, owner, proj] = m as unknown as [string, string, string];
  if (component !== 'unet') return `${owner}.${TEXT_PROCESSOR[proj]}`;
  const attn = owner.endsWith('.processor') ? owner.slice(0, -'.processor'.length) : owner;
  return `${attn}.${proj === 'to_out' ? 'to_out.0' : proj}`;
}

/**
 * What a tensor name patches, or null when it names nothing this loader maps (conv_in, time_embed, unknown layouts):
 * the caller reports such keys as unmatched. `layersPerBlock` is the UNet's (SDXL: 2), needed for the SGM block numbers.
 */
export function loraKeyTarget(key: string, layersPerBlock: number): LoraKeyTarget | null {
  const suffix = SUFFIXES.find((s) => key.endsWith(s.end));
  if (!suffix) return null;
  const base = key.slice(0, -suffix.end.length);
  const kohya = KOHYA.find(([p]) => base.startsWith(p));
  if (kohya) {
    if (suffix.processor || base.includes('.')) return null;
    const [prefix, component] = kohya;
    const dotted = dottedFromUnderscored(base.slice(prefix.length));
    const module = component === 'unet' && SGM_ROOT.test(dotted) ? diffusersFromSgm(dotted, layersPerBlock) : dotted;
    return checked(component, module, suffix.role);
  }
  const peft = PEFT.find(([p]) => base.startsWith(p));
  const [component, path]: [LoraComponent, string] = peft ? [peft[1], base.slice(peft[0].length)] : ['unet', base];
  return checked(component, suffix.processor ? fromProcessor(component, path) : path, suffix.role);
}
