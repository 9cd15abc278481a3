// SGM (kohya SDXL) UNet block numbering to diffusers module paths, as diffusers' loader renumbers it; null where diffusers refuses.

/** The resnet layers a LoRA can patch: SGM name → diffusers name. */
const RESNET_LAYERS: Record<string, string> = {
  'in_layers.2': 'conv1', 'out_layers.3': 'conv2', 'emb_layers.1': 'time_emb_proj', skip_connection: 'conv_shortcut',
};

const int = (s: string | undefined): number | null => (s !== undefined && /^\d+$/.test(s) ? Number(s) : null);

function resnet(prefix: string, rest: string): string | null {
  const layer = RESNET_LAYERS[rest];
  return layer ? `${prefix}.${layer}` : null;
}

function inner(prefix: string, kind: number, index: number, rest: string): string | null {
  if (!rest) return null;
  if (kind === 0) return resnet(`${prefix}.resnets.${index}`, rest);
  // An upsampler's conv sits after the resnet (1) when the block has no attention (SD 1.5's UpBlock2D), after the attention (2) otherwise.
  if (rest === 'conv' && kind >= 1) return `${prefix}.upsamplers.0.conv`;
  if (kind === 1) return `${prefix}.attentions.${index}.${rest}`;
  return null;
}

/**
 * `input_blocks.4.1.proj_in` (dotted SGM path) → `down_blocks.1.attentions.0.proj_in`, for a UNet with `layersPerBlock`
 * resnets per down block. conv_in (`input_blocks.0.0`), time_embed, label_emb and out give null: diffusers rejects the whole
 * file for those, a browser reports the keys as unmatched instead.
 */
export function diffusersFromSgm(sgm: string, layersPerBlock: number): string | null {
  const [block, a, b, ...tail] = sgm.split('.');
  const rest = tail.join('.');
  const i = int(a);
  const j = int(b);
  if (i === null) return null;
  if (block === 'middle_block') {
    // middle_block.<j>.<rest>: here `b` already starts the rest.
    const midRest = [b, ...tail].filter((s) => s !== undefined).join('.');
    if (i === 1) return midRest ? `mid_block.attentions.0.${midRest}` : null;
    if (i === 0 || i === 2) return resnet(`mid_block.resnets.${i / 2}`, midRest);
    return null;
  }
  if (j === null) return null;
  const per = layersPerBlock + 1;
  if (block === 'input_blocks') {
    if (i === 0) return null;
    const down = Math.floor((i - 1) / per);
    const index = (i - 1) % per;
    if (index === layersPerBlock) return j === 0 && rest === 'op' ? `down_blocks.${down}.downsamplers.0.conv` : null;
    return inner(`down_blocks.${down}`, j, index, rest);
  }
  if (block === 'output_blocks') {
    const up = Math.floor(i / per);
    return inner(`up_blocks.${up}`, j, i % per, rest);
  }
  return null;
}
