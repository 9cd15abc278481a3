// Fused LoRA variants are cached for one engine's life: each engine writes its overlays under its own
// variants/<id>/ folder, held by a Web Lock while it lives; folders whose lock nobody holds (engines gone) are swept.
import type { ByteStore } from '../runtime/byte-store';
import type { LoraVariantOptions } from '../runtime/lora-variant';
import { storeOverlays } from './store-asset-source';

type Locks = Pick<LockManager, 'request'>;

/** This engine's overlay folder (locked until the worker ends), after sweeping the folders of engines that are gone. */
export async function ownVariantFolder(bytes: ByteStore, locks: Locks | undefined, id: string): Promise<LoraVariantOptions> {
  const dir = `variants/${id}`;
  if (locks) {
    // Held for the worker's life: the promise never settles.
    void locks.request(dir, () => new Promise<never>(() => undefined));
    const others = new Set((await bytes.list('variants').catch(() => [])).map((e) => e.path.split('/')[0]!).filter((d) => d && d !== id));
    for (const other of others) {
      await locks.request(`variants/${other}`, { ifAvailable: true }, async (lock) => {
        if (lock) await bytes.removeTree(`variants/${other}`).catch(() => undefined);
      });
    }
  }
  return storeOverlays(bytes, dir);
}
