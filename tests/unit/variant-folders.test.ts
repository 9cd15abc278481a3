// Fused-LoRA overlay folders: each engine writes under its own variants/<id>/, locked while it lives; folders whose
// lock is free (their engine is gone) are swept when another engine starts, the live ones are left alone.
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/runtime/byte-store';
import { ownVariantFolder } from '../../src/worker/variant-folders';

/** Web Locks in one process: a name is held until its callback's promise settles. */
function fakeLocks() {
  const held = new Set<string>();
  return {
    held,
    request: ((name: string, a: unknown, b?: unknown) => {
      const opts = (typeof a === 'function' ? {} : a) as { ifAvailable?: boolean };
      const cb = (typeof a === 'function' ? a : b) as (lock: unknown) => Promise<unknown>;
      if (held.has(name)) return opts.ifAvailable ? cb(null) : new Promise(() => undefined);
      held.add(name);
      return Promise.resolve(cb({ name })).finally(() => held.delete(name));
    }) as LockManager['request'],
  };
}

describe('variant folders', () => {
  it('sweeps the folders of engines that are gone, keeps a live one, and writes overlays under its own', async () => {
    const store = memoryStore();
    for (const p of ['variants/gone/unet-1.overlay', 'variants/alive/unet-2.overlay', 'models/x/state.json']) await store.writeText(p, 'x');
    const locks = fakeLocks();
    void locks.request('variants/alive', () => new Promise(() => undefined));
    const opts = await ownVariantFolder(store, locks, 'me');
    expect(locks.held.has('variants/me')).toBe(true);
    expect((await store.list('variants')).map((e) => e.path)).toEqual(['alive/unet-2.overlay']);
    expect((await store.list('models')).map((e) => e.path)).toEqual(['x/state.json']);
    const w = await opts.overlay!('unet-3.overlay');
    await w.append(new Uint8Array([1, 2, 3]));
    await w.finish();
    expect((await store.list('variants/me')).map((e) => [e.path, e.size])).toEqual([['unet-3.overlay', 3]]);
    await opts.dropOverlay!('unet-3.overlay');
    expect(await store.list('variants/me')).toEqual([]);
  });
});
