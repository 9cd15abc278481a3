// The gallery's toolbar: search by prompt, favourites filter, selection and .zip export, storage use, Clear history.
import { smallButton } from '../dom';
import type { GalleryFilter } from './search';

export interface ToolbarCallbacks {
  filter(f: GalleryFilter): void;
  selectAll(): void;
  clearSelection(): void;
  exportZip(): void;
  deleteSelected(): void;
  clearHistory(): void;
}

export interface Toolbar {
  setCounts(shown: number, total: number, selected: number): void;
  setStorage(text: string, low: boolean): void;
}

export function createToolbar(host: HTMLElement, cb: ToolbarCallbacks): Toolbar {
  const bar = document.createElement('div');
  bar.className = 'gallery-toolbar';
  const search = document.createElement('input');
  search.type = 'search';
  search.placeholder = 'Search prompts';
  search.setAttribute('aria-label', 'Search the history by prompt');
  search.dataset.testid = 'gallery-search';
  const favLabel = document.createElement('label');
  const fav = document.createElement('input');
  fav.type = 'checkbox';
  fav.dataset.testid = 'gallery-favourites';
  favLabel.append(fav, ' ★ only');
  const emit = () => cb.filter({ query: search.value, favouritesOnly: fav.checked });
  search.addEventListener('input', emit);
  fav.addEventListener('change', emit);
  const counts = document.createElement('span');
  counts.className = 'gallery-counts';
  counts.dataset.testid = 'gallery-counts';
  const exportButton = smallButton('Export as .zip', 'Download the selected images and a JSON of their requests', 'gallery-export', () => cb.exportZip());
  const deleteButton = smallButton('Delete selected', 'Delete the selected results (with Undo)', 'gallery-delete-selected', () => cb.deleteSelected());
  const storage = document.createElement('span');
  storage.className = 'gallery-storage';
  storage.dataset.testid = 'gallery-storage';
  bar.append(
    search, favLabel,
    smallButton('Select all', 'Select every result shown', 'gallery-select-all', () => cb.selectAll()),
    smallButton('Select none', 'Clear the selection', 'gallery-select-none', () => cb.clearSelection()),
    exportButton, deleteButton, counts, storage,
    smallButton('Clear history…', 'Delete every stored result (asks first)', 'gallery-clear', () => cb.clearHistory()),
  );
  host.append(bar);
  return {
    setCounts(shown, total, selected) {
      counts.textContent = `${shown === total ? `${total}` : `${shown} of ${total}`} image${total === 1 ? '' : 's'}${selected ? ` · ${selected} selected` : ''}`;
      exportButton.disabled = selected === 0;
      deleteButton.disabled = selected === 0;
    },
    setStorage(text, low) {
      storage.textContent = text;
      storage.classList.toggle('low', low);
    },
  };
}
