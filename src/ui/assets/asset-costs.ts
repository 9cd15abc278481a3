// What the request's assets cost before a run (LoRA fusion, extra sessions), measured from earlier runs' asset_ms
// where there is one, and the last run's warnings (LoRA keys that matched no module).
import { DEFAULT_CHECKPOINT } from '../../schema/request';
import type { AssetListItem, GenerationStats, MemoryReport } from '../../worker/protocol';
import { el } from '../dom';
import { formatBytes } from '../format';
import type { RequestDraft } from '../request-form';
import { ofKind } from './draft-access';

const loraKey = (d: RequestDraft) => (d.loras && typeof d.loras === 'object' ? JSON.stringify(d.loras) : '');
const tiKey = (d: RequestDraft) => (d.textual_inversions && typeof d.textual_inversions === 'object' ? JSON.stringify(d.textual_inversions) : '');
const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

export function createAssetCosts(costs: HTMLElement, warnings: HTMLElement): {
  show(d: RequestDraft, library: readonly AssetListItem[]): void;
  afterRun(request: RequestDraft, warnings: readonly string[] | undefined, stats: GenerationStats | undefined, variants?: MemoryReport['loraVariants']): void;
} {
  // LoRA sets (with weights) and embedding sets this page has run: the engine keeps their fused sessions.
  const ranLoras = new Set<string>();
  const ranTis = new Set<string>();
  let fuseMs: number | undefined;
  let lastAssetMs: number | undefined;
  let cache: MemoryReport['loraVariants'];

  return {
    show(d, library) {
      const lines: string[] = [];
      const lk = loraKey(d);
      if (lk && lk !== '{}') {
        if (ranLoras.has(lk)) lines.push('LoRA: fused on an earlier run with these weights (kept, no cost unless memory was needed).');
        else if (fuseMs !== undefined) lines.push(`LoRA: fused into the UNet and text encoders on first use of these weights (≈ ${seconds(fuseMs)}, measured from the last fusion's asset_ms).`);
        else lines.push('LoRA: first use fuses the UNet and the text encoders (new sessions for these weights).');
      }
      const tk = tiKey(d);
      if (tk && tk !== '{}' && !ranTis.has(tk)) lines.push('Textual inversion: the text encoders are re-created with the new tokens on first use.');
      if (typeof d.vae === 'string' && d.vae) {
        const vae = library.find((a) => a.name === d.vae);
        lines.push(`VAE ${d.vae}: +1 decoder session${vae ? ` (${formatBytes(vae.bytes)})` : ''}, created on first use.`);
      }
      if (d.use_refiner === true) {
        const refiners = ofKind(library, 'refiner');
        const r = refiners.find((a) => a.active) ?? refiners[0];
        const frac = typeof d.high_noise_frac === 'number' ? d.high_noise_frac : 0.8;
        lines.push(`Refiner${r ? ` ${r.name}` : ''}: +1 UNet session${r ? ` (${formatBytes(r.bytes)})` : ''}; it runs the last ${Math.round((1 - frac) * 100)} % of the steps.`);
      }
      if (typeof d.checkpoint === 'string' && d.checkpoint !== DEFAULT_CHECKPOINT) lines.push(`Checkpoint ${d.checkpoint}: its sessions load in place of the current model's (a model load).`);
      if (lines.length && lastAssetMs) lines.push(`The last run spent ${seconds(lastAssetMs)} on its assets.`);
      if (lk && lk !== '{}' && cache?.entries) {
        lines.push(`Fused LoRA cache: ${cache.entries} fused component${cache.entries === 1 ? '' : 's'}, ${formatBytes(cache.bytes)} on this device (up to 4 GB; the least recently used go first).`);
      }
      costs.replaceChildren(...lines.map((l) => el('div', {}, l)));
    },
    afterRun(request, list, stats, variants) {
      cache = variants;
      const lk = loraKey(request);
      const ms = stats?.asset_ms;
      lastAssetMs = ms;
      if (lk && lk !== '{}') {
        if (!ranLoras.has(lk) && ms) fuseMs = ms;
        ranLoras.add(lk);
      }
      const tk = tiKey(request);
      if (tk && tk !== '{}') ranTis.add(tk);
      warnings.replaceChildren();
      if (list?.length) {
        warnings.append(el('strong', {}, `The last run warned (${list.length}):`));
        const ul = el('ul', {});
        ul.append(...list.map((w) => el('li', {}, w)));
        warnings.append(ul);
      }
    },
  };
}
