// DOM helpers the views share: an element with attributes and text, and the small action button.

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A small action button (results, stored models). */
export function smallButton(label: string, title: string, testid: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'button-small';
  b.textContent = label;
  b.title = title;
  b.dataset.testid = testid;
  b.addEventListener('click', onClick);
  return b;
}
