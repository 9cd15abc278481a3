// The mask painter's behaviour as a DOM-free state machine: idle / painting / erasing / panning, tools and hotkeys,
// view (zoom, pan), and undo/redo of whole strokes. The renderer draws its state; tests drive it with plain events.
import { MaskBitmap } from './mask';

export type PainterMode = 'idle' | 'painting' | 'erasing' | 'panning';
export type Tool = 'brush' | 'eraser';

export interface PointerInput {
  id: number;
  /** Position in screen (canvas CSS) pixels. */
  x: number;
  y: number;
  /** 0 primary, 1 middle, 2 secondary. */
  button?: number;
}

export interface KeyInput {
  key: string;
  ctrl?: boolean;
  shift?: boolean;
}

export interface View {
  zoom: number;
  panX: number;
  panY: number;
}

const MAX_HISTORY = 50;
const ZOOM_MIN = 0.1;
const ZOOM_MAX = 32;

export class PainterMachine {
  mode: PainterMode = 'idle';
  tool: Tool = 'brush';
  /** Brush radius in image pixels. */
  size = 24;
  hardness = 0.7;
  view: View = { zoom: 1, panX: 0, panY: 0 };
  mask: MaskBitmap;
  private spaceHeld = false;
  private last?: { x: number; y: number };
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private pinchStart?: { distance: number; zoom: number };
  private undoStack: Float32Array[] = [];
  private redoStack: Float32Array[] = [];
  /** Bumped on every change so the renderer knows to redraw (once per animation frame). */
  version = 0;

  constructor(width: number, height: number) {
    this.mask = new MaskBitmap(width, height);
  }

  toImage(x: number, y: number): { x: number; y: number } {
    return { x: (x - this.view.panX) / this.view.zoom, y: (y - this.view.panY) / this.view.zoom };
  }

  private changed(): void {
    this.version++;
  }

  private checkpoint(): void {
    this.undoStack.push(this.mask.data.slice());
    if (this.undoStack.length > MAX_HISTORY) this.undoStack.shift();
    this.redoStack = [];
  }

  pointerDown(p: PointerInput): void {
    // A position that is not a number (no real pointer has one) would turn the view into NaN for good.
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) return;
    this.pointers.set(p.id, { x: p.x, y: p.y });
    if (this.pointers.size === 2) {
      // A second finger turns a stroke into a pinch: the stroke so far is undone.
      if (this.mode === 'painting' || this.mode === 'erasing') this.undo();
      const [a, b] = [...this.pointers.values()];
      this.pinchStart = { distance: Math.hypot(a!.x - b!.x, a!.y - b!.y), zoom: this.view.zoom };
      this.mode = 'panning';
      this.last = { x: (a!.x + b!.x) / 2, y: (a!.y + b!.y) / 2 };
      return;
    }
    if (this.mode !== 'idle') return;
    if (this.spaceHeld || p.button === 1) {
      this.mode = 'panning';
      this.last = { x: p.x, y: p.y };
      return;
    }
    this.checkpoint();
    this.mode = this.tool === 'eraser' || p.button === 2 ? 'erasing' : 'painting';
    const at = this.toImage(p.x, p.y);
    this.mask.stamp(at.x, at.y, this.size, this.hardness, this.mode === 'erasing');
    this.last = at;
    this.changed();
  }

  pointerMove(p: PointerInput): void {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) return;
    if (this.pointers.has(p.id)) this.pointers.set(p.id, { x: p.x, y: p.y });
    if (this.mode === 'panning' && this.pointers.size === 2 && this.pinchStart) {
      const [a, b] = [...this.pointers.values()];
      const mid = { x: (a!.x + b!.x) / 2, y: (a!.y + b!.y) / 2 };
      const distance = Math.hypot(a!.x - b!.x, a!.y - b!.y);
      // Two fingers that landed on the same spot measure the pinch from where they first part.
      if (this.pinchStart.distance === 0) this.pinchStart = { distance, zoom: this.view.zoom };
      if (this.pinchStart.distance > 0) this.zoomAt(mid.x, mid.y, this.pinchStart.zoom * (distance / this.pinchStart.distance));
      this.view.panX += mid.x - this.last!.x;
      this.view.panY += mid.y - this.last!.y;
      this.last = mid;
      this.changed();
      return;
    }
    if (this.mode === 'panning' && this.last) {
      this.view.panX += p.x - this.last.x;
      this.view.panY += p.y - this.last.y;
      this.last = { x: p.x, y: p.y };
      this.changed();
      return;
    }
    if ((this.mode === 'painting' || this.mode === 'erasing') && this.last) {
      const at = this.toImage(p.x, p.y);
      this.mask.line(this.last.x, this.last.y, at.x, at.y, this.size, this.hardness, this.mode === 'erasing');
      this.last = at;
      this.changed();
    }
  }

  pointerUp(p: PointerInput): void {
    this.pointers.delete(p.id);
    if (this.pointers.size === 0) {
      this.mode = 'idle';
      this.last = undefined;
      this.pinchStart = undefined;
    }
  }

  /** Hotkeys: B brush, E eraser, [ ] size, space (held) to pan, Ctrl+Z undo, Ctrl+Shift+Z (or Ctrl+Y) redo. */
  keyDown(k: KeyInput): boolean {
    const key = k.key.toLowerCase();
    if (k.ctrl && (key === 'z' || key === 'y') && (this.mode === 'painting' || this.mode === 'erasing')) {
      // Undo or redo mid-stroke ends the stroke: the rest of the drag would otherwise paint outside any undo step.
      this.mode = 'idle';
      this.last = undefined;
    }
    if (k.ctrl && key === 'z') {
      if (k.shift) this.redo();
      else this.undo();
      return true;
    }
    if (k.ctrl && key === 'y') {
      this.redo();
      return true;
    }
    if (k.ctrl) return false;
    if (key === 'b') this.tool = 'brush';
    else if (key === 'e') this.tool = 'eraser';
    else if (key === '[') this.size = Math.max(1, Math.round(this.size / 1.25));
    else if (key === ']') this.size = Math.min(512, Math.round(this.size * 1.25) + 1);
    else if (key === ' ') this.spaceHeld = true;
    else return false;
    this.changed();
    return true;
  }

  keyUp(k: KeyInput): void {
    if (k.key === ' ') this.spaceHeld = false;
  }

  /** Wheel zoom that keeps the image point under the cursor where it is. */
  wheel(x: number, y: number, deltaY: number): void {
    this.zoomAt(x, y, this.view.zoom * Math.exp(-deltaY / 500));
    this.changed();
  }

  private zoomAt(x: number, y: number, zoom: number): void {
    if (![x, y, zoom].every(Number.isFinite)) return;
    const z = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, zoom));
    const at = this.toImage(x, y);
    this.view = { zoom: z, panX: x - at.x * z, panY: y - at.y * z };
  }

  undo(): void {
    const prev = this.undoStack.pop();
    if (!prev) return;
    this.redoStack.push(this.mask.data.slice());
    this.mask.data.set(prev);
    this.changed();
  }

  redo(): void {
    const next = this.redoStack.pop();
    if (!next) return;
    this.undoStack.push(this.mask.data.slice());
    this.mask.data.set(next);
    this.changed();
  }

  invert(): void {
    this.checkpoint();
    this.mask.invert();
    this.changed();
  }

  clear(): void {
    this.checkpoint();
    this.mask.fill(0);
    this.changed();
  }

  fillAll(): void {
    this.checkpoint();
    this.mask.fill(1);
    this.changed();
  }

  /** Replaces the mask (e.g. from an image's alpha channel) as one undoable step. */
  setMask(mask: MaskBitmap): void {
    this.checkpoint();
    this.mask.data.set(mask.data);
    this.changed();
  }
}
