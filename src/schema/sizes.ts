// Output sizes a model accepts: the nine SDXL buckets, or a range a model declares for itself.
export type Size = readonly [width: number, height: number];

export const SDXL_SIZES: readonly Size[] = [
  [1024, 1024], [896, 1152], [832, 1216], [768, 1344], [640, 1536], [1536, 640], [1344, 768], [1216, 832], [1152, 896],
];

export type SizeRule =
  | { kind: 'list'; sizes: readonly Size[] }
  | { kind: 'range'; min: number; max: number; multiple: number };

export const SDXL_SIZE_RULE: SizeRule = { kind: 'list', sizes: SDXL_SIZES };

export function sizeAllowed(rule: SizeRule, width: number, height: number): boolean {
  if (rule.kind === 'list') return rule.sizes.some(([w, h]) => w === width && h === height);
  const ok = (v: number) => v >= rule.min && v <= rule.max && v % rule.multiple === 0;
  return ok(width) && ok(height);
}

/**
 * Which field to blame for a size the rule refuses: the one dimension that no allowed size has (or that breaks the
 * range); when both are off, or each is fine alone but the pair is not, the width stands for the pair.
 */
export function offendingDimension(rule: SizeRule, width: number, height: number): 'width' | 'height' {
  const fits = rule.kind === 'list'
    ? { width: rule.sizes.some(([w]) => w === width), height: rule.sizes.some(([, h]) => h === height) }
    : { width: sizeAllowed(rule, width, rule.min), height: sizeAllowed(rule, rule.min, height) };
  return fits.width && !fits.height ? 'height' : 'width';
}

export function describeSizeRule(rule: SizeRule): string {
  if (rule.kind === 'list') return `one of ${rule.sizes.map(([w, h]) => `${w}×${h}`).join(', ')}`;
  return `multiples of ${rule.multiple} from ${rule.min} to ${rule.max}`;
}

/**
 * The size a request without width and height gets: the first listed size, or 1024 px (SDXL's own) brought inside the
 * range and down to its multiple, so it is always a size the rule allows (a multiple of 24 from 24 to 4096 gives 1008).
 */
export function defaultSizeFor(rule: SizeRule): Size {
  if (rule.kind === 'list') return rule.sizes[0]!;
  const clamped = Math.min(rule.max, Math.max(rule.min, 1024));
  const side = Math.max(rule.min, clamped - (clamped % rule.multiple));
  return [side, side];
}
