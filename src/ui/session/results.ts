// The results: each one stored before it is shown, the recent cards (with retry and "Delete oldest" when storage
// refuses), and the History gallery of every stored result, whose actions act on the draft, the image and the queue.
import type { GenerateResponse } from '../../schema/response';
import { renderGallery, type GalleryEntry } from '../gallery';
import { createHistoryGallery } from '../gallery/history-gallery';
import { addResult, RECENT_CARDS, withStored } from '../history-list';
import { deleteOldestEntries, loadHistory, storeResult } from '../history-store';
import type { RequestDraft } from '../request-form';

export interface ResultsDeps {
  recent: HTMLElement;
  gallery: HTMLElement;
  draft(): RequestDraft;
  setDraft(draft: RequestDraft): void;
  updateDraft(patch: Partial<RequestDraft>): void;
  /** Makes a result the init image (of `mode`, or the current mode) and brings the painter into view. */
  takeImage(imageB64: string, mode?: 'img2img' | 'inpaint' | 'outpaint'): void;
  /** Queues a request (variations). */
  enqueue(request: RequestDraft): void;
  modelId(): string | undefined;
  status(text: string, kind?: 'info' | 'error' | 'ok'): void;
}

export interface Results {
  /** Stores a finished run, then shows it; if the browser will not store it, it is shown marked so, never lost. */
  keep(request: RequestDraft, response: GenerateResponse): Promise<void>;
}

export function createResults(deps: ResultsDeps): Results {
  let history: GalleryEntry[] = [];
  const show = () => renderGallery(deps.recent, history, actions);
  /** Tries again to store a result the browser refused (after space was freed). */
  const saveAgain = async (entry: GalleryEntry) => {
    const saved = await storeResult(entry);
    show();
    if (saved) void gallery.refresh();
    deps.status(saved ? 'Saved: the result will be here after a reload.' : `Still not saved — ${entry.notSaved}.`, saved ? 'ok' : 'error');
  };
  const actions = {
    retrySave: (entry: GalleryEntry) => void saveAgain(entry),
    // Frees room by deleting the five oldest stored results (the user's choice, and they leave the gallery too).
    deleteOldest: (entry: GalleryEntry) => void deleteOldestEntries(5).then(
      (keys) => {
        history = history.filter((e) => e === entry || !keys.includes(e.createdAt));
        void gallery.refresh();
        return saveAgain(entry);
      },
      (e: unknown) => deps.status(`Could not delete old results: ${e instanceof Error ? e.message : String(e)}`, 'error'),
    ),
    reuseSeed: (seed: number) => deps.updateDraft({ seed, num_images: 1 }),
    // The painted mask stays (same size), so a region can be repainted again and again; Clear removes it.
    useAsInit: (imageB64: string) => deps.takeImage(imageB64),
  };
  // Every stored result: thumbnails, search, favourites, the lightbox and its actions, zip export, storage use.
  const gallery = createHistoryGallery(deps.gallery, {
    draft: deps.draft,
    setDraft: deps.setDraft,
    takeImage: (b64, mode) => deps.takeImage(b64, mode),
    // Variations go through the queue like any Generate.
    generate: async (request) => deps.enqueue(request),
    status: deps.status,
    removed: (keys) => {
      history = history.filter((e) => e.notSaved !== undefined || !keys.includes(e.createdAt));
      show();
    },
  });
  void gallery.refresh();
  void loadHistory(RECENT_CARDS).then((stored) => {
    history = withStored(history, stored);
    show();
  });

  return {
    async keep(request, response) {
      const entry: GalleryEntry = { response, request, createdAt: Date.now(), modelId: deps.modelId() };
      const saved = await storeResult(entry);
      history = addResult(history, entry);
      show();
      if (saved) void gallery.refresh();
      else deps.status(`Done, but not saved — ${entry.notSaved}.`, 'error');
    },
  };
}
