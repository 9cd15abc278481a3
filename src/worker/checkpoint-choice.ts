// The request's `checkpoint`: OctoAI's Lightning name is the loaded model; any stored model's id (its folder or its
// record id) picks that model for the request; anything else is a field error listing what can be named.
import { DEFAULT_CHECKPOINT } from '../schema/request';
import type { FieldError } from '../schema/response';
import type { CachedModelInfo } from '../runtime/model-cache';

export type CheckpointChoice = { kind: 'loaded' } | { kind: 'load'; folder: string } | { kind: 'unknown'; error: FieldError };

/** At most this many names are listed in the error (a device can hold many models). */
const LISTED = 20;

export function chooseCheckpoint(checkpoint: string, loadedRecordId: string | undefined, stored: readonly CachedModelInfo[]): CheckpointChoice {
  if (checkpoint === DEFAULT_CHECKPOINT || checkpoint === loadedRecordId) return { kind: 'loaded' };
  const usable = stored.filter((m) => m.complete);
  const hit = usable.find((m) => m.id === checkpoint) ?? usable.find((m) => m.recordId === checkpoint);
  if (hit) return hit.recordId === loadedRecordId ? { kind: 'loaded' } : { kind: 'load', folder: hit.id };
  const names = [DEFAULT_CHECKPOINT, ...new Set(usable.map((m) => m.recordId))];
  const listed = names.slice(0, LISTED).map((n) => `"${n}"`).join(', ') + (names.length > LISTED ? `, and ${names.length - LISTED} more` : '');
  return {
    kind: 'unknown',
    error: { loc: ['body', 'checkpoint'], msg: `checkpoint "${checkpoint}" is not a model stored on this device: use one of ${listed}.`, type: 'unknown_name' },
  };
}
