// The one owner of the draft request: views call set(draft, origin) and follow it through subscriptions.
import type { RequestDraft } from '../request-form';

/** Who changed the draft: a view skips redrawing a change it made itself (no guard variables, no loops). */
export type DraftOrigin = 'form' | 'json' | 'mode' | 'painter' | 'outpaint' | 'image' | 'app';

export type DraftListener = (draft: Readonly<RequestDraft>, origin: DraftOrigin) => void;

export interface DraftStore {
  get(): RequestDraft;
  /** Replaces the draft and tells every subscriber, in the order they subscribed. */
  set(draft: RequestDraft, origin?: DraftOrigin): void;
  /** Merges fields into the draft; a field set to `undefined` is removed. */
  update(patch: RequestDraft, origin?: DraftOrigin): void;
  subscribe(listener: DraftListener): () => void;
  /** Calls `listener` only when the selected value changes (by `Object.is`), not on every edit. */
  select<T>(pick: (draft: Readonly<RequestDraft>) => T, listener: (value: T, origin: DraftOrigin) => void): () => void;
}

function withoutUndefined(draft: RequestDraft): RequestDraft {
  return Object.fromEntries(Object.entries(draft).filter(([, v]) => v !== undefined));
}

export function createDraftStore(initial: RequestDraft = {}): DraftStore {
  let draft = withoutUndefined(initial);
  const listeners = new Set<DraftListener>();
  let notifying = false;
  let pending: { draft: RequestDraft; origin: DraftOrigin } | undefined;

  const store: DraftStore = {
    get: () => ({ ...draft }),
    set(next, origin = 'app') {
      draft = withoutUndefined(next);
      // A listener that sets the draft again is queued after this round, so every listener sees changes in order.
      if (notifying) {
        pending = { draft, origin };
        return;
      }
      notifying = true;
      try {
        let round: { draft: RequestDraft; origin: DraftOrigin } | undefined = { draft, origin };
        while (round) {
          pending = undefined;
          const snapshot = Object.freeze({ ...round.draft });
          for (const listener of [...listeners]) listener(snapshot, round.origin);
          round = pending;
        }
      } finally {
        notifying = false;
      }
    },
    update(patch, origin) {
      store.set({ ...draft, ...patch }, origin);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    select(pick, listener) {
      let last = pick(draft);
      return store.subscribe((d, origin) => {
        const value = pick(d);
        if (Object.is(value, last)) return;
        last = value;
        listener(value, origin);
      });
    },
  };
  return store;
}
