// The request's `checkpoint`: OctoAI's Lightning name is the default Lightning record (the loaded model when none is
// stored); any stored model's id (its folder or its record id) picks that model; anything else is a field error.
import { DEFAULT_CHECKPOINT } from '../schema/request';
import { BUILTIN_MODELS } from '../schema/model-records';
import type { FieldError } from '../schema/response';
import type { CachedModelInfo } from '../runtime/model-cache';

export type CheckpointChoice = { kind: 'loaded' } | { kind: 'load'; folder: string } | { kind: 'unknown'; error: FieldError };

/** At most this many names are listed in the error (a device can hold many models). */
const LISTED = 20;

/** The built-in SDXL-Lightning records, in preference order: what OctoAI's Lightning checkpoint name stands for. */
export const LIGHTNING_RECORDS: readonly string[] = BUILTIN_MODELS.map((m) => m.id).filter((id) => id.includes('lightning'));

/**
 * `explicit`: the body named the checkpoint (absent, it is the loaded model). OctoAI's Lightning name, given
 * explicitly while another model is loaded, switches to a stored Lightning record when the device has one; without
 * one it stays the loaded model (code written for OctoAI sends that name, and must run on whatever is loaded).
 */
export function chooseCheckpoint(checkpoint: string, loadedRecordId: string | undefined, stored: readonly CachedModelInfo[], explicit = false): CheckpointChoice {
  const usable = stored.filter((m) => m.complete);
  if (checkpoint === DEFAULT_CHECKPOINT) {
    if (!explicit || (loadedRecordId !== undefined && LIGHTNING_RECORDS.includes(loadedRecordId))) return { kind: 'loaded' };
    const lightning = LIGHTNING_RECORDS.map((id) => usable.find((m) => m.recordId === id)).find((m) => m !== undefined);
    return lightning ? { kind: 'load', folder: lightning.id } : { kind: 'loaded' };
  }
  if (checkpoint === loadedRecordId) return { kind: 'loaded' };
  const hit = usable.find((m) => m.id === checkpoint) ?? usable.find((m) => m.recordId === checkpoint);
  if (hit) return hit.recordId === loadedRecordId ? { kind: 'loaded' } : { kind: 'load', folder: hit.id };
  const names = [DEFAULT_CHECKPOINT, ...new Set(usable.map((m) => m.recordId))];
  const listed = names.slice(0, LISTED).map((n) => `"${n}"`).join(', ') + (names.length > LISTED ? `, and ${names.length - LISTED} more` : '');
  return {
    kind: 'unknown',
    error: { loc: ['body', 'checkpoint'], msg: `checkpoint "${checkpoint}" is not a model stored on this device: use one of ${listed}.`, type: 'unknown_name' },
  };
}
