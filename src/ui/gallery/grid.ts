// The virtualised thumbnail grid: only the rows in view (plus a few) are in the DOM, so 1,000 results scroll smoothly.
import { itemKey, type GalleryItem } from './gallery-summary';
import { virtualWindow } from './virtual-window';

export interface GridCallbacks {
  open(position: number): void;
  toggleFavourite(item: GalleryItem): void;
  toggleSelected(item: GalleryItem, selected: boolean): void;
  isSelected(item: GalleryItem): boolean;
}

export interface VirtualGrid {
  setItems(items: readonly GalleryItem[]): void;
  /** Re-renders the visible cells (after a favourite or selection changed). */
  refresh(): void;
  /** Brings an item into view (the lightbox's current one). */
  reveal(position: number): void;
  readonly scroller: HTMLElement;
}

const MIN_CELL = 140;
const GAP = 8;

export function createVirtualGrid(host: HTMLElement, cb: GridCallbacks): VirtualGrid {
  const scroller = document.createElement('div');
  scroller.className = 'vgrid';
  scroller.dataset.testid = 'gallery-grid';
  scroller.tabIndex = 0;
  scroller.setAttribute('role', 'list');
  scroller.setAttribute('aria-label', 'Stored results');
  const spacer = document.createElement('div');
  spacer.className = 'vgrid-spacer';
  const windowEl = document.createElement('div');
  windowEl.className = 'vgrid-window';
  spacer.append(windowEl);
  scroller.append(spacer);
  host.append(scroller);

  let items: readonly GalleryItem[] = [];
  /** Cells in the DOM by key, with the object URL of their thumbnail (revoked when the cell leaves). */
  let cells = new Map<string, { el: HTMLElement; url?: string; item: GalleryItem }>();
  let shown = '';
  let frame = 0;

  function cell(item: GalleryItem, position: number): { el: HTMLElement; url?: string; item: GalleryItem } {
    const { summary, index } = item;
    const el = document.createElement('div');
    el.className = 'vgrid-cell';
    el.dataset.testid = 'gallery-cell';
    el.dataset.key = itemKey(item);
    el.setAttribute('role', 'listitem');
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'vgrid-open';
    open.title = summary.prompt || '(empty prompt)';
    const thumb = summary.thumbs[index];
    const url = thumb ? URL.createObjectURL(thumb) : undefined;
    if (url) {
      const img = document.createElement('img');
      img.src = url;
      img.alt = `Seed ${summary.seeds[index]}: ${summary.prompt.slice(0, 80) || '(empty prompt)'}`;
      img.decoding = 'async';
      open.append(img);
    } else open.textContent = `seed ${summary.seeds[index]}`;
    open.addEventListener('click', () => cb.open(position));
    const star = document.createElement('button');
    star.type = 'button';
    star.className = 'vgrid-star';
    star.dataset.testid = 'gallery-star';
    star.setAttribute('aria-pressed', String(summary.favourite));
    star.setAttribute('aria-label', summary.favourite ? 'Remove from favourites' : 'Add to favourites');
    star.textContent = summary.favourite ? '★' : '☆';
    star.addEventListener('click', () => cb.toggleFavourite(item));
    const select = document.createElement('input');
    select.type = 'checkbox';
    select.className = 'vgrid-select';
    select.dataset.testid = 'gallery-select';
    select.checked = cb.isSelected(item);
    select.setAttribute('aria-label', `Select seed ${summary.seeds[index]}`);
    select.addEventListener('change', () => cb.toggleSelected(item, select.checked));
    el.append(open, star, select);
    return { el, url, item };
  }

  function render(force = false): void {
    frame = 0;
    const w = virtualWindow({ count: items.length, width: scroller.clientWidth || MIN_CELL, minCell: MIN_CELL, gap: GAP }, scroller.scrollTop, scroller.clientHeight || 600);
    const signature = `${w.start}:${w.end}:${w.columns}:${w.rowHeight}`;
    spacer.style.height = `${w.totalHeight}px`;
    if (!force && signature === shown) return;
    shown = signature;
    windowEl.style.transform = `translateY(${w.offsetTop}px)`;
    windowEl.style.gridTemplateColumns = `repeat(${w.columns}, 1fr)`;
    windowEl.style.gridAutoRows = `${w.rowHeight - GAP}px`;
    const next = new Map<string, { el: HTMLElement; url?: string; item: GalleryItem }>();
    const els: HTMLElement[] = [];
    for (let p = w.start; p < w.end; p++) {
      const item = items[p]!;
      const key = itemKey(item);
      const old = cells.get(key);
      const c = old && !force ? old : cell(item, p);
      if (old && c !== old && old.url) URL.revokeObjectURL(old.url);
      cells.delete(key);
      next.set(key, c);
      els.push(c.el);
    }
    for (const gone of cells.values()) if (gone.url) URL.revokeObjectURL(gone.url);
    cells = next;
    windowEl.replaceChildren(...els);
  }
  const schedule = () => void (frame ||= requestAnimationFrame(() => render()));
  scroller.addEventListener('scroll', schedule, { passive: true });
  new ResizeObserver(schedule).observe(scroller);

  return {
    scroller,
    setItems(next) {
      items = next;
      render(true);
    },
    refresh: () => render(true),
    reveal(position) {
      const w = virtualWindow({ count: items.length, width: scroller.clientWidth || MIN_CELL, minCell: MIN_CELL, gap: GAP }, 0, 0);
      const top = Math.floor(position / w.columns) * w.rowHeight;
      if (top < scroller.scrollTop || top + w.rowHeight > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = top;
    },
  };
}
