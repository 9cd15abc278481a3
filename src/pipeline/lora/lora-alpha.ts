// Each module's alpha as diffusers 0.27 resolves it: its own, else its component's most common alpha, else its rank.
import { ModelFileInvalidError } from '../../schema/file-check';
import type { LoraComponent } from './lora-types';

/** The one finite value of an alpha tensor. */
export function alphaValue(file: string, key: string, data: Float32Array): number {
  if (data.length !== 1) throw new ModelFileInvalidError(file, [`tensor "${key}" must hold one value, not ${data.length}`]);
  if (!Number.isFinite(data[0]!)) throw new ModelFileInvalidError(file, [`tensor "${key}" holds ${data[0]}`]);
  return data[0]!;
}

/**
 * diffusers' get_peft_kwargs gives PEFT one lora_alpha per component (UNet, each text encoder): the most common alpha
 * (among equals, the first in key order, as Python's Counter and safetensors' sorted keys give), with the other values as
 * per-module exceptions. A module without an alpha key thus gets that common alpha; a component without any alpha uses
 * alpha = rank (scaling 1), returned as undefined. `modules[i]` = [component, the alpha key or undefined, its value].
 */
export function resolveAlphas(modules: readonly (readonly [LoraComponent, string | undefined, number | undefined])[]): (number | undefined)[] {
  const counts = new Map<LoraComponent, Map<number, number>>();
  const keyed = modules.filter((m): m is readonly [LoraComponent, string, number] => m[1] !== undefined && m[2] !== undefined);
  for (const [component, , a] of [...keyed].sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0))) {
    const c = counts.get(component) ?? new Map<number, number>();
    counts.set(component, c.set(a, (c.get(a) ?? 0) + 1));
  }
  const common = new Map<LoraComponent, number>();
  for (const [component, c] of counts) {
    let best: [number, number] | undefined;
    for (const entry of c) if (!best || entry[1] > best[1]) best = entry;
    common.set(component, best![0]);
  }
  return modules.map(([component, , a]) => a ?? common.get(component));
}
