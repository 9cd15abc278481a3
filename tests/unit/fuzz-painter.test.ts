// Property test over the mask painter's event stream: random pointer, key, wheel and tool sequences, with coordinates
// far off the canvas, never throw or hang, keep the mask's size and values, and undo/redo walks back and forth exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PainterMachine } from '../../src/ui/painter/machine';
import { MaskBitmap } from '../../src/ui/painter/mask';
import { fuzzParams, reportCounts } from './fuzz-config';

const CASES = 1_000;
/** The machine keeps this many undo steps (src/ui/painter/machine.ts). */
const MAX_HISTORY = 50;

const coord = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -80, max: 160, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(-1e5, 1e5, -1e9, 1e9, 3e38, -0) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
);
const id = fc.integer({ min: 1, max: 3 });
type Ev =
  | { t: 'down' | 'move' | 'up' | 'cancel'; id: number; x: number; y: number; button: number }
  | { t: 'key'; key: string; ctrl: boolean; shift: boolean }
  | { t: 'keyup'; key: string }
  | { t: 'wheel'; x: number; y: number; dy: number }
  | { t: 'tool'; op: 'invert' | 'clear' | 'fill' | 'setMask'; seed: number }
  | { t: 'brush'; size: number; hardness: number };

const event: fc.Arbitrary<Ev> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('down' as const), id, x: coord, y: coord, button: fc.constantFrom(0, 0, 0, 1, 2) }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('move' as const), id, x: coord, y: coord, button: fc.constant(0) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('up' as const, 'cancel' as const), id, x: coord, y: coord, button: fc.constant(0) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('key' as const), key: fc.constantFrom('z', 'Z', 'y', 'b', 'e', '[', ']', ' ', 'x', 'Escape'), ctrl: fc.boolean(), shift: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('keyup' as const), key: fc.constantFrom(' ', 'z') }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('wheel' as const), x: coord, y: coord, dy: fc.oneof(fc.double({ min: -2000, max: 2000, noNaN: true }), fc.constantFrom(1e9, -1e9)) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('tool' as const), op: fc.constantFrom('invert' as const, 'clear' as const, 'fill' as const, 'setMask' as const), seed: fc.nat() }) },
  // The view's sliders: size 1–256 px, hardness 0–1.
  { weight: 1, arbitrary: fc.record({ t: fc.constant('brush' as const), size: fc.integer({ min: 1, max: 256 }), hardness: fc.double({ min: 0, max: 1, noNaN: true }) }) },
);

const isStroke = (m: PainterMachine) => m.mode === 'painting' || m.mode === 'erasing';

/** Replays events and tracks, from outside, how many steps undo and redo should have. */
class Model {
  undo = 0;
  redo = 0;
  /** An edit fell off the 50-step history: undoing everything no longer reaches the empty mask. */
  evicted = false;
  down = new Set<number>();

  edit(): void {
    this.undo++;
    if (this.undo > MAX_HISTORY) {
      this.undo = MAX_HISTORY;
      this.evicted = true;
    }
    this.redo = 0;
  }

  undone(): void {
    if (this.undo === 0) return;
    this.undo--;
    this.redo++;
  }

  redone(): void {
    if (this.redo === 0) return;
    this.redo--;
    this.undo++;
  }
}

function apply(m: PainterMachine, model: Model, e: Ev): void {
  const before = m.mode;
  switch (e.t) {
    case 'down': {
      if (!Number.isFinite(e.x) || !Number.isFinite(e.y)) {
        // Not a position: the machine ignores it (a NaN would poison the view).
        m.pointerDown({ id: e.id, x: e.x, y: e.y, button: e.button });
        if (m.mode !== before) throw new Error(`a pointer at ${e.x},${e.y} changed the mode`);
        break;
      }
      const pinch = !model.down.has(e.id) && model.down.size === 1;
      model.down.add(e.id);
      m.pointerDown({ id: e.id, x: e.x, y: e.y, button: e.button });
      if (pinch && (before === 'painting' || before === 'erasing')) model.undone();
      else if (before === 'idle' && isStroke(m)) model.edit();
      break;
    }
    case 'move':
      m.pointerMove({ id: e.id, x: e.x, y: e.y });
      break;
    case 'up':
    case 'cancel':
      // The view sends pointercancel to the same handler as pointerup.
      model.down.delete(e.id);
      m.pointerUp({ id: e.id, x: e.x, y: e.y });
      break;
    case 'key': {
      m.keyDown({ key: e.key, ctrl: e.ctrl, shift: e.shift });
      const key = e.key.toLowerCase();
      if (e.ctrl && key === 'z' && !e.shift) model.undone();
      if (e.ctrl && ((key === 'z' && e.shift) || key === 'y')) model.redone();
      break;
    }
    case 'keyup':
      m.keyUp({ key: e.key });
      break;
    case 'wheel':
      m.wheel(e.x, e.y, e.dy);
      break;
    case 'tool': {
      if (e.op === 'invert') m.invert();
      else if (e.op === 'clear') m.clear();
      else if (e.op === 'fill') m.fillAll();
      else {
        const mask = new MaskBitmap(m.mask.width, m.mask.height);
        for (let i = 0; i < mask.data.length; i++) mask.data[i] = ((e.seed + i * 2654435761) >>> 0) % 3 === 0 ? 1 : 0;
        m.setMask(mask);
      }
      model.edit();
      break;
    }
    case 'brush':
      m.size = e.size;
      m.hardness = e.hardness;
      break;
  }
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
function check(ok: boolean, why: string): void {
  if (!ok) throw new Error(why);
}

function checkState(m: PainterMachine, w: number, h: number): void {
  if (m.mask.width !== w || m.mask.height !== h || m.mask.data.length !== w * h) throw new Error(`mask is ${m.mask.width}×${m.mask.height} (${m.mask.data.length}), not ${w}×${h}`);
  for (let i = 0; i < m.mask.data.length; i++) {
    const v = m.mask.data[i]!;
    if (!(v >= 0 && v <= 1)) throw new Error(`mask value ${v} at ${i}`);
  }
  const { zoom, panX, panY } = m.view;
  if (!(zoom >= 0.1 && zoom <= 32) || !Number.isFinite(panX) || !Number.isFinite(panY)) throw new Error(`view ${JSON.stringify(m.view)}`);
}

describe('painter event-stream fuzz', () => {
  it(`random event sequences (${CASES}) keep the mask's size and values, never hang, and undo/redo walk back exactly`, () => {
    const counts = { events: 0, undoChecks: 0, emptyAfterUndoAll: 0, pastHistory: 0 };
    const sequence = fc.oneof(
      { weight: 9, arbitrary: fc.array(event, { minLength: 10, maxLength: 120 }) },
      // Long ones, heavy on whole-mask edits, to run past the 50-step history.
      { weight: 1, arbitrary: fc.array(fc.oneof(event, fc.constant<Ev>({ t: 'tool', op: 'invert', seed: 0 })), { minLength: 150, maxLength: 250 }) },
    );
    fc.assert(fc.property(fc.integer({ min: 1, max: 48 }), fc.integer({ min: 1, max: 48 }), sequence, (w, h, events) => {
      const m = new PainterMachine(w, h);
      const model = new Model();
      for (const e of events) {
        const start = performance.now();
        apply(m, model, e);
        const ms = performance.now() - start;
        if (ms > 2_000) throw new Error(`${JSON.stringify(e)} took ${Math.round(ms)} ms`);
        checkState(m, w, h);
        counts.events++;
      }
      // Lift every finger, then walk the whole history back and forward again.
      for (const p of [...model.down]) m.pointerUp({ id: p, x: 0, y: 0 });
      const final = m.mask.data.slice();
      const steps = model.undo;
      for (let i = 0; i < steps; i++) m.keyDown({ key: 'z', ctrl: true });
      const oldest = m.mask.data.slice();
      m.keyDown({ key: 'z', ctrl: true });
      check(same(m.mask.data, oldest), 'one undo past the oldest step changes nothing');
      if (!model.evicted) {
        // Every change was an undoable step: undoing them all gives back the empty mask.
        check(oldest.every((v) => v === 0), 'undoing every step leaves paint behind');
        counts.emptyAfterUndoAll++;
      }
      for (let i = 0; i < steps; i++) m.keyDown({ key: 'y', ctrl: true });
      check(same(m.mask.data, final), 'redoing every step gives back the final mask');
      checkState(m, w, h);
      counts.undoChecks++;
      if (model.evicted) counts.pastHistory++;
    }), fuzzParams(CASES));
    reportCounts('painter-events', { cases: CASES, ...counts });
    expect(counts.pastHistory).toBeGreaterThan(0);
  });
});
