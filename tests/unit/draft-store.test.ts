// The draft store: one owner of the request; views follow it, skip their own changes, and never loop.
import { describe, expect, it } from 'vitest';
import { createDraftStore, type DraftOrigin } from '../../src/ui/draft/draft-store';

describe('draft store', () => {
  it('hands every subscriber the new draft and who changed it, in subscription order', () => {
    const store = createDraftStore({ prompt: 'a' });
    const seen: string[] = [];
    store.subscribe((d, o) => seen.push(`1:${String(d.prompt)}:${o}`));
    store.subscribe((d, o) => seen.push(`2:${String(d.prompt)}:${o}`));
    store.set({ prompt: 'b' }, 'form');
    expect(seen).toEqual(['1:b:form', '2:b:form']);
    expect(store.get()).toEqual({ prompt: 'b' });
  });

  it('get() returns a copy: editing it does not change the draft', () => {
    const store = createDraftStore({ prompt: 'a' });
    const copy = store.get();
    copy.prompt = 'changed';
    expect(store.get().prompt).toBe('a');
  });

  it('update() merges fields and removes the ones set to undefined', () => {
    const store = createDraftStore({ prompt: 'a', mask_image: 'm', steps: 4 });
    store.update({ mask_image: undefined, seed: 7 }, 'painter');
    expect(store.get()).toEqual({ prompt: 'a', steps: 4, seed: 7 });
  });

  it('a listener that sets the draft while being told runs after the round, and everyone sees both changes in order', () => {
    const store = createDraftStore({ steps: 1 });
    const log: [number, DraftOrigin, string][] = [];
    store.subscribe((d, o) => {
      log.push([d.steps as number, o, 'a']);
      // e.g. the form clamps a value it was handed: one more change, not a recursion
      if (d.steps === 2) store.update({ steps: 3 }, 'form');
    });
    store.subscribe((d, o) => log.push([d.steps as number, o, 'b']));
    store.set({ steps: 2 }, 'json');
    expect(log).toEqual([[2, 'json', 'a'], [2, 'json', 'b'], [3, 'form', 'a'], [3, 'form', 'b']]);
    expect(store.get().steps).toBe(3);
  });

  it('select() fires only when the picked value changes', () => {
    const store = createDraftStore({ prompt: 'a', init_image: 'x' });
    const images: unknown[] = [];
    store.select((d) => d.init_image, (v, o) => images.push([v, o]));
    store.update({ prompt: 'b' }, 'form');
    store.update({ prompt: 'c' }, 'form');
    store.update({ init_image: 'y' }, 'image');
    store.update({ prompt: 'd' }, 'form');
    store.update({ init_image: undefined }, 'mode');
    expect(images).toEqual([['y', 'image'], [undefined, 'mode']]);
  });

  it('an unsubscribed listener hears nothing more', () => {
    const store = createDraftStore();
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.set({ prompt: 'x' });
    off();
    store.set({ prompt: 'y' });
    expect(calls).toBe(1);
  });

  it('listeners get a frozen snapshot, so a view cannot change the draft behind the store', () => {
    const store = createDraftStore();
    let frozen = false;
    store.subscribe((d) => (frozen = Object.isFrozen(d)));
    store.set({ prompt: 'x' });
    expect(frozen).toBe(true);
  });
});
