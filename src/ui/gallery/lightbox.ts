// The lightbox: one stored result full size in a labelled <dialog>, with zoom (+/−, wheel), pan (drag), previous/next
// (arrow keys) and the entry's actions. Esc closes (the dialog's own cancel).
import type { GalleryEntry } from '../gallery';
import type { GalleryItem } from './gallery-summary';

export interface LightboxAction {
  label: string;
  testid: string;
  title: string;
  run(entry: GalleryEntry, index: number): void;
}

export interface LightboxDeps {
  items(): readonly GalleryItem[];
  load(createdAt: number): Promise<GalleryEntry | undefined>;
  actions: readonly LightboxAction[];
  /** The lightbox moved to another item (the grid keeps it in view). */
  moved(position: number): void;
}

const ZOOM_STEP = 1.25;
const MAX_ZOOM = 16;

export function createLightbox(deps: LightboxDeps): { open(position: number): void; close(): void; readonly dialog: HTMLDialogElement } {
  const dialog = document.createElement('dialog');
  dialog.className = 'lightbox';
  dialog.dataset.testid = 'lightbox';
  dialog.setAttribute('aria-labelledby', 'lightbox-title');
  const title = document.createElement('h2');
  title.id = 'lightbox-title';
  title.className = 'lightbox-title';
  const info = document.createElement('p');
  info.className = 'lightbox-info';
  info.dataset.testid = 'lightbox-info';
  const stage = document.createElement('div');
  stage.className = 'lightbox-stage';
  const img = document.createElement('img');
  img.className = 'lightbox-image';
  img.dataset.testid = 'lightbox-image';
  img.draggable = false;
  stage.append(img);
  const nav = document.createElement('div');
  nav.className = 'lightbox-nav';
  const button = (label: string, aria: string, testid: string, onClick: () => void) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.setAttribute('aria-label', aria);
    b.dataset.testid = testid;
    b.addEventListener('click', onClick);
    return b;
  };
  const zoomLabel = document.createElement('output');
  zoomLabel.dataset.testid = 'lightbox-zoom';
  nav.append(
    button('‹', 'Previous result', 'lightbox-prev', () => move(-1)),
    button('›', 'Next result', 'lightbox-next', () => move(1)),
    button('−', 'Zoom out', 'lightbox-zoom-out', () => zoom(1 / ZOOM_STEP)),
    zoomLabel,
    button('+', 'Zoom in', 'lightbox-zoom-in', () => zoom(ZOOM_STEP)),
    button('Fit', 'Fit: reset zoom and pan', 'lightbox-zoom-reset', () => setView(1, 0, 0)),
    button('✕', 'Close', 'lightbox-close', () => dialog.close()),
  );
  const actionBar = document.createElement('div');
  actionBar.className = 'lightbox-actions';
  for (const a of deps.actions) {
    const b = button(a.label, a.label, a.testid, () => {
      if (current) a.run(current.entry, current.index);
    });
    b.title = a.title;
    b.className = 'button-small';
    actionBar.append(b);
  }
  dialog.append(title, nav, stage, info, actionBar);
  document.body.append(dialog);

  let position = 0;
  let current: { entry: GalleryEntry; index: number } | undefined;
  let scale = 1;
  let tx = 0;
  let ty = 0;
  let loading = 0;

  function setView(s: number, x: number, y: number): void {
    scale = Math.min(MAX_ZOOM, Math.max(1, s));
    // At fit there is nothing to pan.
    [tx, ty] = scale === 1 ? [0, 0] : [x, y];
    img.style.transform = `translate(${tx}px, ${ty}px) scale(${scale})`;
    zoomLabel.textContent = `${Math.round(scale * 100)}%`;
    stage.classList.toggle('zoomed', scale > 1);
  }
  const zoom = (factor: number) => setView(scale * factor, tx * factor, ty * factor);

  async function show(p: number): Promise<void> {
    const items = deps.items();
    if (items.length === 0) return dialog.close();
    position = (p + items.length) % items.length;
    const item = items[position]!;
    const ticket = ++loading;
    setView(1, 0, 0);
    title.textContent = item.summary.prompt || '(empty prompt)';
    info.textContent = 'Loading…';
    const entry = await deps.load(item.summary.createdAt);
    if (ticket !== loading) return; // moved on meanwhile
    if (!entry) {
      current = undefined;
      img.removeAttribute('src');
      info.textContent = 'This result is no longer stored.';
      return;
    }
    current = { entry, index: item.index };
    const image = entry.response.images[item.index]!;
    const format = entry.request.image_encoding === 'jpeg' ? 'jpeg' : 'png';
    img.src = `data:image/${format};base64,${image.image_b64}`;
    img.alt = `Result ${position + 1} of ${items.length}, seed ${image.seed}`;
    img.dataset.seed = String(image.seed);
    info.textContent = [
      `${position + 1} / ${items.length}`,
      `seed ${image.seed}`,
      `${image.width}×${image.height}`,
      entry.modelId ? `model ${entry.modelId}` : '',
      `${entry.response.latency_ms} ms`,
      new Date(entry.createdAt).toLocaleString(),
    ].filter(Boolean).join(' · ');
    deps.moved(position);
  }
  const move = (delta: number) => void show(position + delta);

  dialog.addEventListener('keydown', (e) => {
    if ((e.target as HTMLElement).closest('input, textarea')) return;
    const keys: Record<string, () => void> = {
      ArrowLeft: () => move(-1), ArrowRight: () => move(1), '+': () => zoom(ZOOM_STEP), '=': () => zoom(ZOOM_STEP), '-': () => zoom(1 / ZOOM_STEP), '0': () => setView(1, 0, 0),
    };
    const run = keys[e.key];
    if (run && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      run();
    }
  });
  stage.addEventListener('wheel', (e) => {
    e.preventDefault();
    zoom(e.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP);
  }, { passive: false });
  let drag: { x: number; y: number; tx: number; ty: number } | undefined;
  stage.addEventListener('pointerdown', (e) => {
    if (scale === 1) return;
    drag = { x: e.clientX, y: e.clientY, tx, ty };
    stage.setPointerCapture(e.pointerId);
  });
  stage.addEventListener('pointermove', (e) => {
    if (drag) setView(scale, drag.tx + e.clientX - drag.x, drag.ty + e.clientY - drag.y);
  });
  const endDrag = () => void (drag = undefined);
  stage.addEventListener('pointerup', endDrag);
  stage.addEventListener('pointercancel', endDrag);
  dialog.addEventListener('close', () => {
    loading++;
    current = undefined;
    img.removeAttribute('src');
  });

  return {
    dialog,
    open(p) {
      if (!dialog.open) dialog.showModal();
      void show(p);
    },
    close: () => dialog.close(),
  };
}
