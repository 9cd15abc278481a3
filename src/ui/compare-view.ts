// Before/after comparison on a result card: the picture before inpainting laid over the result, revealed up to a slider.

/** Wraps `after` in a frame with `beforeSrc` over its left part; returns a toggle that shows or hides the comparison. */
export function attachCompare(after: HTMLImageElement, beforeSrc: string): (on?: boolean) => boolean {
  const frame = document.createElement('div');
  frame.className = 'compare-frame';
  after.replaceWith(frame);
  const before = document.createElement('img');
  before.className = 'compare-before result-image';
  before.alt = 'Before';
  before.dataset.testid = 'compare-before';
  before.width = after.width;
  before.height = after.height;
  const slider = Object.assign(document.createElement('input'), { type: 'range', min: '0', max: '100', value: '50', className: 'compare-slider' });
  slider.setAttribute('aria-label', 'Before / after');
  slider.dataset.testid = 'compare-slider';
  const labels = document.createElement('div');
  labels.className = 'compare-labels';
  labels.append(Object.assign(document.createElement('span'), { textContent: 'before' }), Object.assign(document.createElement('span'), { textContent: 'after' }));
  frame.append(after);
  const reveal = () => (before.style.clipPath = `inset(0 ${100 - Number(slider.value)}% 0 0)`);
  slider.addEventListener('input', reveal);
  let shown = false;
  return (on = !shown) => {
    shown = on;
    if (on) {
      before.src = beforeSrc;
      reveal();
      frame.append(before, slider, labels);
    } else {
      before.remove();
      slider.remove();
      labels.remove();
    }
    return shown;
  };
}
