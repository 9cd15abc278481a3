// The mask painter on the page: a canvas over the init image, a toolbar, pointer/keyboard/wheel input fed to the
// state machine, drawn once per animation frame; the finished mask goes back into the request as mask_image.
import { el } from '../dom';
import { base64ToBitmap, blobToBase64 } from '../image-input';
import { PainterMachine } from './machine';
import { MaskBitmap } from './mask';

export interface PainterView {
  /**
   * Shows the painter over this image (base64, no data: prefix). The mask is `mask` when given, else kept when the size
   * is unchanged, else taken from the image's transparency.
   */
  setImage(b64: string | undefined, mask?: MaskBitmap): Promise<void>;
  /** The paste-back feather radius (px) chosen in the toolbar. */
  maskBlur(): number;
}

interface PainterSettings {
  overlayColor: string;
  overlayOpacity: number;
  maskBlur: number;
}
const SETTINGS_KEY = 'sdxl-web:painter';
const DEFAULT_SETTINGS: PainterSettings = { overlayColor: '#ff3c5a', overlayOpacity: 0.55, maskBlur: 4 };

function loadSettings(): PainterSettings {
  try {
    return { ...DEFAULT_SETTINGS, ...(JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? '{}') as Partial<PainterSettings>) };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}



/** onMask receives the mask PNG as base64 (white = repaint), or undefined when nothing is painted. */
export function createPainterView(root: HTMLElement, onMask: (b64: string | undefined) => void): PainterView {
  root.classList.add('painter');
  root.hidden = true;
  const toolbar = el('div', { class: 'painter-toolbar', role: 'toolbar', 'aria-label': 'Mask tools' });
  const brush = el('button', { type: 'button', 'data-tool': 'brush', title: 'Brush (B)', 'data-testid': 'painter-brush' }, 'Brush');
  const eraser = el('button', { type: 'button', 'data-tool': 'eraser', title: 'Eraser (E)', 'data-testid': 'painter-eraser' }, 'Eraser');
  const size = el('input', { type: 'range', min: '1', max: '256', value: '24', 'aria-label': 'Brush size ([ and ])', 'data-testid': 'painter-size' });
  const hardness = el('input', { type: 'range', min: '0', max: '1', step: '0.05', value: '0.7', 'aria-label': 'Hardness' });
  const settings = loadSettings();
  const color = el('input', { type: 'color', value: settings.overlayColor, 'aria-label': 'Mask overlay colour', title: 'Overlay colour', 'data-testid': 'painter-color' });
  const opacity = el('input', { type: 'range', min: '0.1', max: '1', step: '0.05', value: String(settings.overlayOpacity), 'aria-label': 'Mask overlay opacity', 'data-testid': 'painter-opacity' });
  const blur = el('input', { type: 'range', min: '0', max: '64', step: '1', value: String(settings.maskBlur), 'aria-label': 'Mask blur: the repainted area fades in over this many pixels', 'data-testid': 'painter-blur' });
  const blurValue = el('output', {}, `${settings.maskBlur} px`);
  const saveSettings = () => localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  const actions: [string, string, (m: PainterMachine) => void][] = [
    ['Undo', 'Ctrl+Z', (m) => m.undo()], ['Redo', 'Ctrl+Shift+Z', (m) => m.redo()], ['Invert', '', (m) => m.invert()],
    ['Clear', '', (m) => m.clear()], ['Fill', '', (m) => m.fillAll()],
  ];
  toolbar.append(brush, eraser, el('label', {}, 'Size'), size, el('label', {}, 'Hardness'), hardness, el('label', {}, 'Overlay'), color, opacity,
    el('label', { title: 'The result blends into your picture across this many pixels at the mask edge' }, 'Mask blur'), blur, blurValue);
  const actionButtons = actions.map(([label, key, run]) => {
    const b = el('button', { type: 'button', title: key ? `${label} (${key})` : label, 'data-testid': `painter-${label.toLowerCase()}` }, label);
    b.addEventListener('click', () => {
      if (machine) {
        run(machine);
        commit();
      }
    });
    return b;
  });
  toolbar.append(...actionButtons);
  const canvas = el('canvas', { class: 'painter-canvas', tabindex: '0', 'data-testid': 'painter-canvas', 'aria-label': 'Paint the area to repaint' });
  const hint = el('div', { class: 'help' }, 'Paint what to repaint. B brush · E eraser · [ ] size · space-drag or middle button to pan · wheel or pinch to zoom.');
  root.append(toolbar, canvas, hint);

  let machine: PainterMachine | undefined;
  let image: ImageBitmap | undefined;
  let drawn = -1;
  const overlay = document.createElement('canvas');

  const syncToolbar = () => {
    if (!machine) return;
    brush.classList.toggle('active', machine.tool === 'brush');
    eraser.classList.toggle('active', machine.tool === 'eraser');
    size.value = String(machine.size);
  };

  function render(): void {
    requestAnimationFrame(render);
    if (!machine || !image || machine.version === drawn) return;
    drawn = machine.version;
    const ctx = canvas.getContext('2d')!;
    const { zoom, panX, panY } = machine.view;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(zoom, 0, 0, zoom, panX, panY);
    ctx.imageSmoothingEnabled = zoom < 4;
    ctx.drawImage(image, 0, 0);
    const m = machine.mask;
    const o = overlay.getContext('2d')!;
    const data = o.createImageData(m.width, m.height);
    const rgb = [1, 3, 5].map((i) => parseInt(settings.overlayColor.slice(i, i + 2), 16));
    for (let p = 0; p < m.data.length; p++) data.data.set([rgb[0]!, rgb[1]!, rgb[2]!, Math.round(m.data[p]! * settings.overlayOpacity * 255)], p * 4);
    o.putImageData(data, 0, 0);
    ctx.drawImage(overlay, 0, 0);
    syncToolbar();
  }
  requestAnimationFrame(render);

  /** Exports the mask into the request after each change. */
  async function commit(): Promise<void> {
    if (!machine) return;
    const m = machine.mask;
    if (!m.data.some((v) => v >= 0.5)) return onMask(undefined);
    const c = new OffscreenCanvas(m.width, m.height);
    c.getContext('2d')!.putImageData(new ImageData(m.toRgba(), m.width, m.height), 0, 0);
    const blob = await c.convertToBlob({ type: 'image/png' });
    onMask(await blobToBase64(blob));
  }

  const local = (e: PointerEvent | WheelEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  };
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener('pointerdown', (e) => {
    if (!machine) return;
    canvas.setPointerCapture(e.pointerId);
    canvas.focus();
    machine.pointerDown({ id: e.pointerId, ...local(e), button: e.button });
  });
  canvas.addEventListener('pointermove', (e) => machine?.pointerMove({ id: e.pointerId, ...local(e) }));
  const up = (e: PointerEvent) => {
    if (!machine) return;
    const wasEditing = machine.mode === 'painting' || machine.mode === 'erasing';
    machine.pointerUp({ id: e.pointerId, ...local(e) });
    if (wasEditing) void commit();
  };
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointercancel', up);
  canvas.addEventListener('wheel', (e) => {
    if (!machine) return;
    e.preventDefault();
    const p = local(e);
    machine.wheel(p.x, p.y, e.deltaY);
  }, { passive: false });
  canvas.addEventListener('keydown', (e) => {
    if (machine?.keyDown({ key: e.key, ctrl: e.ctrlKey || e.metaKey, shift: e.shiftKey })) {
      e.preventDefault();
      if (e.ctrlKey || e.metaKey) void commit();
    }
  });
  canvas.addEventListener('keyup', (e) => machine?.keyUp({ key: e.key }));
  brush.addEventListener('click', () => machine?.keyDown({ key: 'b' }));
  eraser.addEventListener('click', () => machine?.keyDown({ key: 'e' }));
  size.addEventListener('input', () => machine && ((machine.size = Number(size.value)), machine.version++));
  hardness.addEventListener('input', () => machine && (machine.hardness = Number(hardness.value)));
  color.addEventListener('input', () => {
    settings.overlayColor = color.value;
    saveSettings();
    if (machine) machine.version++;
  });
  opacity.addEventListener('input', () => {
    settings.overlayOpacity = Number(opacity.value);
    saveSettings();
    if (machine) machine.version++;
  });
  blur.addEventListener('input', () => {
    settings.maskBlur = Number(blur.value);
    blurValue.textContent = `${blur.value} px`;
    saveSettings();
  });

  return {
    maskBlur: () => settings.maskBlur,
    async setImage(b64, mask) {
      if (!b64) {
        root.hidden = true;
        image = undefined;
        return;
      }
      const bmp = await base64ToBitmap(b64);
      const keep = !mask && machine && machine.mask.width === bmp.width && machine.mask.height === bmp.height;
      image = bmp;
      if (!keep) machine = new PainterMachine(bmp.width, bmp.height);
      const m = machine!;
      // Fit the image into a canvas at most 512 px wide.
      const scale = Math.min(512 / bmp.width, 512 / bmp.height, 8);
      canvas.width = Math.round(bmp.width * scale);
      canvas.height = Math.round(bmp.height * scale);
      overlay.width = bmp.width;
      overlay.height = bmp.height;
      m.view = { zoom: scale, panX: 0, panY: 0 };
      if (!keep) m.size = Math.max(2, Math.round(Math.min(bmp.width, bmp.height) / 12));
      if (mask) {
        m.setMask(mask);
        void commit();
      } else if (!keep) {
        // An image with transparent pixels brings its own mask: the transparent area is what to repaint.
        const px = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d')!;
        px.drawImage(bmp, 0, 0);
        const { data } = px.getImageData(0, 0, bmp.width, bmp.height);
        if (data.some((v, i) => i % 4 === 3 && v < 255)) {
          m.setMask(MaskBitmap.fromAlpha(data, bmp.width, bmp.height));
          void commit();
        }
      }
      m.version++;
      root.hidden = false;
    },
  };
}
