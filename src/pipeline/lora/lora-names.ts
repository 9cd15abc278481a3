// Module-path spelling: kohya's underscore names to diffusers' dotted paths, and a dotted path to its ONNX node prefix.

/** Identifiers that contain '_' in diffusers, SGM (kohya SDXL) and CLIP module paths; longest first where they overlap. */
const WORDS: readonly string[][] = [
  'conv_norm_out', 'time_emb_proj', 'final_layer_norm',
  'transformer_blocks', 'down_blocks', 'up_blocks', 'mid_block', 'input_blocks', 'middle_block', 'output_blocks',
  'in_layers', 'out_layers', 'emb_layers', 'skip_connection', 'time_embed', 'label_emb', 'time_embedding', 'add_embedding',
  'proj_in', 'proj_out', 'to_q', 'to_k', 'to_v', 'to_out', 'conv_shortcut', 'conv_in', 'conv_out', 'linear_1', 'linear_2',
  'text_model', 'self_attn', 'q_proj', 'k_proj', 'v_proj', 'out_proj', 'token_embedding', 'position_embedding',
  'layer_norm1', 'layer_norm2', 'text_projection',
].map((w) => w.split('_')).sort((a, b) => b.length - a.length);

/** `input_blocks_4_1_transformer_blocks_0_attn1_to_out_0` → `input_blocks.4.1.transformer_blocks.0.attn1.to_out.0`. */
export function dottedFromUnderscored(name: string): string {
  const parts = name.split('_');
  const out: string[] = [];
  for (let i = 0; i < parts.length;) {
    const word = WORDS.find((w) => w.every((p, k) => parts[i + k] === p));
    const len = word ? word.length : 1;
    out.push(parts.slice(i, i + len).join('_'));
    i += len;
  }
  return out.join('.');
}

/** `down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_out.0` → `/down_blocks.1/attentions.0/transformer_blocks.0/attn1/to_out.0`. */
export function nodePrefixOf(module: string): string {
  let prefix = '';
  for (const seg of module.split('.')) prefix += /^\d+$/.test(seg) && prefix ? `.${seg}` : `/${seg}`;
  return prefix;
}

/** True when every '.'-separated segment is a plain identifier or index (no empty segment, no odd characters). */
export function isModulePath(module: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(module);
}
