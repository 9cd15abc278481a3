// The mask painter's state machine, driven by synthetic pointer and key events (no DOM).
import { describe, expect, it } from 'vitest';
import { PainterMachine } from '../../src/ui/painter/machine';
import { MaskBitmap } from '../../src/ui/painter/mask';

const on = (m: PainterMachine, x: number, y: number) => m.mask.data[Math.floor(y) * m.mask.width + Math.floor(x)]!;
const painted = (m: PainterMachine) => m.mask.data.reduce((n, v) => n + (v >= 0.5 ? 1 : 0), 0);

function stroke(m: PainterMachine, points: [number, number][], button = 0, id = 1) {
  m.pointerDown({ id, x: points[0]![0], y: points[0]![1], button });
  for (const [x, y] of points.slice(1)) m.pointerMove({ id, x, y });
  m.pointerUp({ id, x: points.at(-1)![0], y: points.at(-1)![1] });
}

describe('PainterMachine', () => {
  it('paints a continuous stroke, even with far-apart pointer events', () => {
    const m = new PainterMachine(200, 100);
    m.size = 4;
    m.hardness = 1;
    stroke(m, [[10, 50], [190, 50]]);
    for (let x = 10; x <= 190; x += 5) expect(on(m, x, 50), `x=${x}`).toBe(1);
    expect(on(m, 100, 10)).toBe(0);
    expect(m.mode).toBe('idle');
  });

  it('erases with E or the secondary button, and B returns to the brush', () => {
    const m = new PainterMachine(100, 100);
    m.fillAll();
    m.keyDown({ key: 'e' });
    expect(m.tool).toBe('eraser');
    stroke(m, [[50, 10], [50, 90]]);
    expect(on(m, 50, 50)).toBe(0);
    m.keyDown({ key: 'b' });
    stroke(m, [[20, 10], [20, 90]], 2);
    expect(on(m, 20, 50)).toBe(0);
    stroke(m, [[50, 10], [50, 90]]);
    expect(on(m, 50, 50)).toBe(1);
  });

  it('undoes and redoes whole strokes with Ctrl+Z / Ctrl+Shift+Z', () => {
    const m = new PainterMachine(100, 100);
    stroke(m, [[10, 10], [90, 10]]);
    const one = painted(m);
    stroke(m, [[10, 80], [90, 80]]);
    const two = painted(m);
    expect(two).toBeGreaterThan(one);
    m.keyDown({ key: 'z', ctrl: true });
    expect(painted(m)).toBe(one);
    m.keyDown({ key: 'z', ctrl: true });
    expect(painted(m)).toBe(0);
    m.keyDown({ key: 'Z', ctrl: true, shift: true });
    expect(painted(m)).toBe(one);
    m.keyDown({ key: 'y', ctrl: true });
    expect(painted(m)).toBe(two);
  });

  it('inverts, clears and fills as undoable steps', () => {
    const m = new PainterMachine(50, 50);
    stroke(m, [[25, 25], [26, 25]]);
    const before = painted(m);
    m.invert();
    expect(painted(m)).toBe(2500 - before);
    m.undo();
    expect(painted(m)).toBe(before);
    m.clear();
    expect(painted(m)).toBe(0);
    m.fillAll();
    expect(painted(m)).toBe(2500);
  });

  it('changes brush size with [ and ]', () => {
    const m = new PainterMachine(10, 10);
    const start = m.size;
    m.keyDown({ key: ']' });
    expect(m.size).toBeGreaterThan(start);
    m.keyDown({ key: '[' });
    m.keyDown({ key: '[' });
    expect(m.size).toBeLessThan(start);
  });

  it('pans with space held (or the middle button) without painting', () => {
    const m = new PainterMachine(100, 100);
    m.keyDown({ key: ' ' });
    stroke(m, [[10, 10], [40, 30]]);
    expect(m.view).toMatchObject({ panX: 30, panY: 20 });
    expect(painted(m)).toBe(0);
    m.keyUp({ key: ' ' });
    stroke(m, [[40, 30], [60, 30]], 1);
    expect(m.view.panX).toBe(50);
    expect(painted(m)).toBe(0);
  });

  it('paints in image coordinates after zoom and pan; wheel zoom keeps the point under the cursor', () => {
    const m = new PainterMachine(100, 100);
    const before = m.toImage(40, 60);
    m.wheel(40, 60, -500);
    expect(m.view.zoom).toBeCloseTo(Math.E, 5);
    const after = m.toImage(40, 60);
    expect(after.x).toBeCloseTo(before.x, 6);
    expect(after.y).toBeCloseTo(before.y, 6);
    m.size = 1;
    stroke(m, [[m.view.panX + 70 * m.view.zoom, m.view.panY + 20 * m.view.zoom]]);
    expect(on(m, 70, 20)).toBeGreaterThanOrEqual(0.5);
  });

  it('turns a second finger into a pinch: zooms and drops the started stroke', () => {
    const m = new PainterMachine(100, 100);
    m.pointerDown({ id: 1, x: 40, y: 50 });
    m.pointerDown({ id: 2, x: 60, y: 50 });
    expect(m.mode).toBe('panning');
    expect(painted(m)).toBe(0);
    m.pointerMove({ id: 2, x: 80, y: 50 });
    expect(m.view.zoom).toBeCloseTo(2, 5);
    m.pointerUp({ id: 1, x: 40, y: 50 });
    m.pointerUp({ id: 2, x: 80, y: 50 });
    expect(m.mode).toBe('idle');
  });

  it('takes a mask from an image alpha channel and exports white = repaint', () => {
    const rgba = new Uint8ClampedArray(4 * 4).fill(255);
    rgba[3] = 0; // first pixel transparent
    const m = new PainterMachine(2, 2);
    m.setMask(MaskBitmap.fromAlpha(rgba, 2, 2));
    expect(Array.from(m.mask.toRgba().filter((_, i) => i % 4 === 0))).toEqual([255, 0, 0, 0]);
    m.undo();
    expect(painted(m)).toBe(0);
  });
});
