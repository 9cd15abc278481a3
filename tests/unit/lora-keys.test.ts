// LoRA key mapping against diffusers 0.27.2 (lora_keys.json): every module of both fixture files, the SGM renumbering,
// diffusers' own converted key forms, and the keys diffusers would reject for the whole file reported as unmatched.
import { describe, expect, it } from 'vitest';
import { parseLora, parseLoraFrom } from '../../src/pipeline/lora/parse-lora';
import { loraKeyTarget } from '../../src/pipeline/lora/lora-keys';
import { dottedFromUnderscored, nodePrefixOf } from '../../src/pipeline/lora/lora-names';
import { diffusersFromSgm } from '../../src/pipeline/lora/sgm-blocks';
import { loraScaling } from '../../src/pipeline/lora/lora-delta';
import type { LoraModule } from '../../src/pipeline/lora/lora-types';
import { assetsDir, buildSafetensors, f32Tensor, readAsset, tensorsOf } from './safetensors-build';
import { readFileSync } from 'node:fs';

interface Entry {
  component: LoraModule['component']; module: string; kohya_name?: string; sgm_path?: string;
  keys: { down: string; up: string; alpha: string | null }; rank: number; alpha: number | null; peft_scaling: number;
  down_shape: number[]; up_shape: number[];
  diffusers_converted_keys: { down: string; up: string; down_peft: string | null; up_peft: string | null };
  onnx: { node: string; op_type: string };
}
interface MixedAlpha { check: { conv_scalings: number[]; linear_scalings: number[] } }
interface KeysJson { diffusers_limits: { mixed_alpha_conv_1: MixedAlpha }; unet_config: { layers_per_block: number }; files: Record<string, { file: string; modules: number; unmapped_keys: string[]; entries: Entry[] }> }

const ref = JSON.parse(readFileSync(`${assetsDir}loras/lora_keys.json`, 'utf8')) as KeysJson;
const L = ref.unet_config.layers_per_block;
const find = (mods: LoraModule[], e: Entry) => mods.filter((m) => m.component === e.component && m.module === e.module);

describe.each(Object.entries(ref.files))('%s', (name, f) => {
  const bytes = readAsset(f.file);
  const parsed = parseLora(bytes, { layersPerBlock: L, file: name });

  it('maps every module to diffusers\' module and its ONNX node, with nothing unmatched', () => {
    expect(parsed.modules).toHaveLength(f.modules);
    expect(parsed.unmatched).toEqual(f.unmapped_keys);
    for (const e of f.entries) {
      const [m, ...more] = find(parsed.modules, e);
      expect(more, e.module).toHaveLength(0);
      expect(`${m!.nodePrefix}/${e.onnx.op_type}`).toBe(e.onnx.node);
      expect([...m!.keys].sort()).toEqual(Object.values(e.keys).filter((k) => k !== null).sort());
      expect(m!.downShape).toEqual(e.down_shape);
      expect(m!.upShape).toEqual(e.up_shape);
      expect(m!.alphaOverRank).toBe((e.alpha ?? e.rank) / e.rank);
      expect(loraScaling(m!, 1)).toBe(Math.fround(e.peft_scaling));
    }
  });

  it('reads the same modules through ranged reads', async () => {
    const reads: [number, number][] = [];
    const viaReader = await parseLoraFrom(bytes.length, async (s, e) => { reads.push([s, e]); return bytes.slice(s, e); }, { layersPerBlock: L });
    expect(viaReader).toEqual(parsed);
    // The length, the header, then one read per tensor: never the whole file.
    expect(reads).toHaveLength(2 + parsed.modules.reduce((n, m) => n + m.keys.length, 0));
    expect(Math.max(...reads.map(([s, e]) => e - s))).toBeLessThan(bytes.length / 2);
  });

  it('maps diffusers\' own converted key forms (old lora.down, attention processor, lora_linear_layer, PEFT) to the same module', () => {
    for (const e of f.entries) {
      const c = e.diffusers_converted_keys;
      const forms = [[c.down, 'down'], [c.up, 'up'], [c.down_peft, 'down'], [c.up_peft, 'up']] as const;
      for (const [key, role] of forms) {
        if (key === null) continue;
        // diffusers' text-encoder forms carry the component prefix; its UNet forms sometimes too: both must land on the module.
        expect(loraKeyTarget(key, L), key).toEqual({ component: e.component, module: e.module, role });
      }
    }
  });
});

describe('kohya SGM names', () => {
  const kohya = ref.files['tiny-kohya']!.entries.filter((e) => e.component === 'unet');

  it('spell the SGM path and renumber it to diffusers\' module', () => {
    for (const e of kohya) {
      expect(dottedFromUnderscored(e.kohya_name!.slice('lora_unet_'.length))).toBe(e.sgm_path);
      expect(diffusersFromSgm(e.sgm_path!, L)).toBe(e.module);
      expect(nodePrefixOf(e.module)).toBe(e.onnx.node.slice(0, e.onnx.node.lastIndexOf('/')));
    }
  });

  it('also map kohya keys with lora_A/lora_B endings, kohya keys spelled with diffusers\' block names, and unprefixed diffusers keys', () => {
    const tensors = tensorsOf(readAsset('loras/lora_kohya.safetensors'));
    const renamed: Record<string, (typeof tensors)[string]> = {};
    for (const e of ref.files['tiny-kohya']!.entries) {
      const styles = {
        unet: [`lora_unet_${e.module.replaceAll('.', '_')}`, e.module],
        text_encoder: [`lora_te1_${e.module.replaceAll('.', '_')}`, `text_encoder.${e.module}`],
        text_encoder_2: [`lora_te2_${e.module.replaceAll('.', '_')}`, `text_encoder_2.${e.module}`],
      }[e.component];
      // Odd modules take the kohya spelling with lora_A/B, even ones the diffusers spelling with lora.down/up.
      const [kohyaName, dotted] = styles;
      const odd = ref.files['tiny-kohya']!.entries.indexOf(e) % 2 === 1;
      renamed[odd ? `${kohyaName}.lora_A.weight` : `${dotted}.lora.down.weight`] = tensors[e.keys.down]!;
      renamed[odd ? `${kohyaName}.lora_B.weight` : `${dotted}.lora.up.weight`] = tensors[e.keys.up]!;
      renamed[odd ? `${kohyaName}.alpha` : `${dotted}.alpha`] = tensors[e.keys.alpha!]!;
    }
    const parsed = parseLora(buildSafetensors(renamed), { layersPerBlock: L });
    const original = parseLora(readAsset('loras/lora_kohya.safetensors'), { layersPerBlock: L });
    expect(parsed.unmatched).toEqual([]);
    const strip = (m: LoraModule) => ({ ...m, keys: [] });
    const byId = (p: typeof parsed) => new Map(p.modules.map((m) => [`${m.component}:${m.module}`, strip(m)]));
    expect(byId(parsed)).toEqual(byId(original));
  });

  it('report conv_in, time_embed, label_emb, out and unknown keys as unmatched instead of failing the file', () => {
    const tensors = tensorsOf(readAsset('loras/lora_kohya.safetensors'));
    const extra: Record<string, ReturnType<typeof f32Tensor>> = {};
    const added: string[] = [];
    for (const base of ['lora_unet_input_blocks_0_0', 'lora_unet_time_embed_0', 'lora_unet_time_embed_2', 'lora_unet_label_emb_0_0', 'lora_unet_out_2', 'lora_unet_middle_block_1']) {
      for (const [suffix, t] of [['.lora_down.weight', f32Tensor([4, 8], new Float32Array(32))], ['.lora_up.weight', f32Tensor([8, 4], new Float32Array(32))], ['.alpha', f32Tensor([], [2])]] as const) {
        extra[base + suffix] = t;
        added.push(base + suffix);
      }
    }
    for (const key of ['lora_unet_input_blocks_4_1_proj_in.hada_w1_a', 'something_else.weight']) { extra[key] = f32Tensor([1], [0]); added.push(key); }
    const parsed = parseLora(buildSafetensors({ ...tensors, ...extra }), { layersPerBlock: L });
    expect([...parsed.unmatched].sort()).toEqual(added.sort());
    expect(parsed.modules).toHaveLength(ref.files['tiny-kohya']!.modules);
  });

  it('leave a module out (keys unmatched) when its up or down is missing or it is a DoRA', () => {
    const tensors = tensorsOf(readAsset('loras/lora_diffusers.safetensors'));
    const to_q = 'unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q';
    const to_k = 'unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_k';
    delete tensors[`${to_q}.lora_B.weight`];
    tensors[`${to_k}.lora_magnitude_vector`] = f32Tensor([64], new Float32Array(64));
    const parsed = parseLora(buildSafetensors(tensors), { layersPerBlock: L });
    expect([...parsed.unmatched].sort()).toEqual([`${to_k}.lora_A.weight`, `${to_k}.lora_B.weight`, `${to_k}.lora_magnitude_vector`, `${to_q}.lora_A.weight`].sort());
    expect(parsed.modules).toHaveLength(ref.files['tiny-diffusers']!.modules - 2);
  });

  it('put SD 1.5-style upsamplers (output_blocks.i.1.conv, no attention) on the upsampler, and follow layers_per_block', () => {
    expect(diffusersFromSgm('output_blocks.2.1.conv', 2)).toBe('up_blocks.0.upsamplers.0.conv');
    // layers_per_block 3: input block 4 is the down block 0's downsampler, 5 starts down block 1.
    expect(diffusersFromSgm('input_blocks.4.0.op', 3)).toBe('down_blocks.0.downsamplers.0.conv');
    expect(diffusersFromSgm('input_blocks.5.1.proj_in', 3)).toBe('down_blocks.1.attentions.0.proj_in');
    expect(diffusersFromSgm('output_blocks.7.0.skip_connection', 3)).toBe('up_blocks.1.resnets.3.conv_shortcut');
  });
});

describe('alpha', () => {
  const kohya = ref.files['tiny-kohya']!.entries;
  const isConv = (e: Entry) => e.onnx.op_type === 'Conv';

  it('per module, as diffusers\' probe found: conv alphas 1 and the rest 2 give scalings 0.25 and 0.5', () => {
    const probe = ref.diffusers_limits.mixed_alpha_conv_1.check;
    const tensors = tensorsOf(readAsset('loras/lora_kohya.safetensors'));
    for (const e of kohya.filter(isConv)) tensors[e.keys.alpha!] = f32Tensor([], [1]);
    const parsed = parseLora(buildSafetensors(tensors), { layersPerBlock: L });
    const scalings = (conv: boolean) => [...new Set(kohya.filter((e) => e.component === 'unet' && isConv(e) === conv).map((e) => loraScaling(find(parsed.modules, e)[0]!, 1)))];
    expect(scalings(true)).toEqual(probe.conv_scalings);
    expect(scalings(false)).toEqual(probe.linear_scalings);
  });

  it('a module without an alpha key takes its component\'s most common alpha; a component without any, alpha = rank', () => {
    const tensors = tensorsOf(readAsset('loras/lora_kohya.safetensors'));
    const convs = kohya.filter(isConv);
    for (const e of convs.slice(0, 3)) tensors[e.keys.alpha!] = f32Tensor([], [1]);
    const lone = kohya.find((e) => e.component === 'unet' && !isConv(e))!;
    delete tensors[lone.keys.alpha!];
    for (const e of kohya.filter((x) => x.component === 'text_encoder')) delete tensors[e.keys.alpha!];
    const parsed = parseLora(buildSafetensors(tensors), { layersPerBlock: L });
    const at = (e: Entry) => find(parsed.modules, e)[0]!.alphaOverRank;
    expect(at(lone)).toBe(2 / 4); // UNet: 27 × alpha 2, 3 × alpha 1
    expect(at(convs[0]!)).toBe(1 / 4);
    expect(new Set(kohya.filter((x) => x.component === 'text_encoder').map(at))).toEqual(new Set([1]));
    expect(new Set(kohya.filter((x) => x.component === 'text_encoder_2').map(at))).toEqual(new Set([2 / 4]));
  });
});
