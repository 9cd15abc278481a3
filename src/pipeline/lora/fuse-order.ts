// Several LoRAs on one model: per ONNX node, the modules to add in request order (Δ₁ then Δ₂), as diffusers' fuse_lora does.
import type { LoraComponent, LoraModule, ParsedLora } from './lora-types';

export interface FuseStep { lora: string; module: LoraModule; weight: number }

/** One node to patch: its component and node prefix, and the deltas to add to its weight in order. */
export interface FuseTarget { component: LoraComponent; nodePrefix: string; steps: FuseStep[] }

/**
 * `loras` in request order: a `{name: weight}` object (its key order; note that JavaScript lists integer-like keys such
 * as "12" first) or [name, weight] pairs. `parsed` gives each name's parsed file. Targets are listed in first-touch order.
 */
export function fuseOrder(
  loras: Record<string, number> | Iterable<readonly [string, number]>,
  parsed: ReadonlyMap<string, ParsedLora> | Record<string, ParsedLora>,
): FuseTarget[] {
  const pairs = Symbol.iterator in loras ? [...(loras as Iterable<readonly [string, number]>)] : Object.entries(loras);
  const targets = new Map<string, FuseTarget>();
  const names = pairs.map(([name]) => name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`LoRA "${twice}" is listed twice; each LoRA takes one weight.`);
  for (const [name, weight] of pairs) {
    const file = parsed instanceof Map ? parsed.get(name) : Object.hasOwn(parsed, name) ? (parsed as Record<string, ParsedLora>)[name] : undefined;
    if (!file) throw new Error(`LoRA "${name}" was not parsed.`);
    if (!Number.isFinite(weight)) throw new Error(`LoRA "${name}" has weight ${weight}; a weight must be a finite number.`);
    for (const module of file.modules) {
      const id = `${module.component}:${module.nodePrefix}`;
      let t = targets.get(id);
      if (!t) targets.set(id, t = { component: module.component, nodePrefix: module.nodePrefix, steps: [] });
      t.steps.push({ lora: name, module, weight });
    }
  }
  return [...targets.values()];
}
