// The history gallery: the toolbar, the virtual grid of every stored result and the lightbox, over the summaries store.
import { formatBytes } from '../format';
import type { GalleryEntry } from '../gallery';
import { loadEntry } from '../history-store';
import { confirmDialog } from './confirm-dialog';
import { downloadBlob, entryActions, type GalleryActions } from './entry-actions';
import { clearHistory, deleteEntries, listSummaries, setFavourite } from './gallery-store';
import { itemsOf, type GalleryItem, type GallerySummary } from './gallery-summary';
import { createVirtualGrid } from './grid';
import { createLightbox } from './lightbox';
import { filterEntries, type GalleryFilter } from './search';
import { base64Bytes } from './thumbnails';
import { createToolbar } from './toolbar';
import { createUndoToast } from './undo-toast';
import { imageFileName, zipResults } from './zip-export';

/** Storage past this share of the quota is reported as running low. */
const LOW_STORAGE = 0.9;

export interface HistoryGallery {
  /** Lists the store again (after a result was stored). */
  refresh(): Promise<void>;
}

export function createHistoryGallery(host: HTMLElement, page: GalleryActions): HistoryGallery {
  host.classList.add('history-gallery');
  let summaries: GallerySummary[] = [];
  let items: GalleryItem[] = [];
  let filter: GalleryFilter = { query: '', favouritesOnly: false };
  /** Results deleted but still undoable: hidden, not yet deleted from the store. */
  const pendingDelete = new Set<number>();
  /** Selected results (by createdAt: a batch is selected as a whole). */
  const selected = new Set<number>();

  const toolbar = createToolbar(host, {
    filter: (f) => {
      filter = f;
      update();
    },
    selectAll: () => {
      for (const i of items) selected.add(i.summary.createdAt);
      update();
    },
    clearSelection: () => {
      selected.clear();
      update();
    },
    exportZip: () => void exportSelected(),
    deleteSelected: () => remove([...selected]),
    clearHistory: () => void clearAll(),
  });
  const grid = createVirtualGrid(host, {
    open: (p) => lightbox.open(p),
    toggleFavourite: (item) => void favourite(item.summary),
    toggleSelected: (item, on) => {
      if (on) selected.add(item.summary.createdAt);
      else selected.delete(item.summary.createdAt);
      update(false);
    },
    isSelected: (item) => selected.has(item.summary.createdAt),
  });
  const toast = createUndoToast(host);
  addEventListener('pagehide', () => toast.flush());

  const download = (entry: GalleryEntry, index: number) =>
    downloadBlob(new Blob([base64Bytes(entry.response.images[index]!.image_b64)], { type: entry.request.image_encoding === 'jpeg' ? 'image/jpeg' : 'image/png' }), imageFileName(entry, index));
  const lightbox = createLightbox({
    items: () => items,
    load: (key) => loadEntry(key),
    moved: (p) => grid.reveal(p),
    actions: [
      ...entryActions(page, () => lightbox.close(), download),
      { label: '★ Favourite', testid: 'lightbox-favourite', title: 'Add to or remove from favourites', run: (entry) => {
        const s = summaries.find((x) => x.createdAt === entry.createdAt);
        if (s) void favourite(s);
      } },
      { label: 'Delete', testid: 'lightbox-delete', title: 'Delete this result (with Undo)', run: (entry) => {
        lightbox.close();
        remove([entry.createdAt]);
      } },
    ],
  });

  function update(regrid = true): void {
    const visible = filterEntries(summaries.filter((s) => !pendingDelete.has(s.createdAt)), filter);
    items = itemsOf(visible);
    for (const key of selected) if (!visible.some((s) => s.createdAt === key)) selected.delete(key);
    toolbar.setCounts(items.length, itemsOf(summaries).length - [...pendingDelete].length, [...selected].length);
    host.hidden = summaries.length === 0;
    if (regrid) grid.setItems(items);
  }

  async function favourite(s: GallerySummary): Promise<void> {
    s.favourite = !s.favourite;
    update();
    await setFavourite(s.createdAt, s.favourite).catch((e: unknown) => page.status(`Could not save the favourite: ${String(e)}`, 'error'));
  }

  function remove(keys: number[]): void {
    if (keys.length === 0) return;
    for (const k of keys) {
      pendingDelete.add(k);
      selected.delete(k);
    }
    update();
    toast.show(`Deleted ${keys.length} result${keys.length > 1 ? 's' : ''}.`, () => {
      for (const k of keys) pendingDelete.delete(k);
      update();
    }, () => void deleteEntries(keys).then(() => {
      for (const k of keys) pendingDelete.delete(k);
      summaries = summaries.filter((s) => !keys.includes(s.createdAt));
      page.removed(keys);
      update();
      void showStorage();
    }, (e: unknown) => {
      for (const k of keys) pendingDelete.delete(k);
      update();
      page.status(`Could not delete: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }));
  }

  async function exportSelected(): Promise<void> {
    const keys = summaries.filter((s) => selected.has(s.createdAt)).map((s) => s.createdAt);
    const entries = (await Promise.all(keys.map((k) => loadEntry(k)))).filter((e): e is GalleryEntry => e !== undefined);
    const blob = await zipResults(entries);
    downloadBlob(blob, `sdxl-results-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.zip`);
    page.status(`Exported ${entries.length} result${entries.length === 1 ? '' : 's'} (${formatBytes(blob.size)}).`, 'ok');
  }

  async function clearAll(): Promise<void> {
    const n = summaries.length;
    if (!(await confirmDialog('Clear the history?', `This deletes all ${n} stored result${n === 1 ? '' : 's'} from this device. It cannot be undone: export what you want to keep first.`, 'Delete all'))) return;
    toast.flush();
    const keys = summaries.map((s) => s.createdAt);
    await clearHistory();
    page.removed(keys);
    await refresh();
    page.status('The history is cleared.', 'ok');
  }

  async function showStorage(): Promise<void> {
    const est = await navigator.storage?.estimate?.().catch(() => undefined);
    if (!est?.quota) return toolbar.setStorage('', false);
    const low = (est.usage ?? 0) / est.quota > LOW_STORAGE;
    toolbar.setStorage(`Storage: ${formatBytes(est.usage ?? 0)} of ${formatBytes(est.quota)}${low ? ' — almost full: delete results or models you do not need (nothing is deleted without asking)' : ''}`, low);
  }

  async function refresh(): Promise<void> {
    const start = performance.now();
    summaries = await listSummaries().catch(() => summaries);
    const listed = performance.now();
    update();
    // For the bench (scripts/bench-gallery.ts): listing from IndexedDB, then filtering and rendering the grid.
    performance.measure('gallery-refresh', { start, end: performance.now(), detail: { list_ms: listed - start, render_ms: performance.now() - listed } });
    void showStorage();
  }
  update();
  return { refresh };
}
