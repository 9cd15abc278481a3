// Shrunk counterexamples from the painter's event-stream fuzz, kept as plain tests: each failed before its fix.
import { describe, expect, it } from 'vitest';
import { PainterMachine } from '../../src/ui/painter/machine';

const painted = (m: PainterMachine) => m.mask.data.reduce((n, v) => n + (v >= 0.5 ? 1 : 0), 0);

describe('painter fuzz regressions', () => {
  it('Ctrl+Z mid-stroke ends the stroke, so the rest of the drag cannot paint outside any undo step', () => {
    // Shrunk: 1×1 mask, down (0,0), Ctrl+Z, move (0,0): the move painted, and no undo could remove it.
    const m = new PainterMachine(1, 1);
    m.pointerDown({ id: 1, x: 0, y: 0 });
    m.keyDown({ key: 'z', ctrl: true });
    m.pointerMove({ id: 1, x: 0, y: 0 });
    m.pointerUp({ id: 1, x: 0, y: 0 });
    expect(painted(m)).toBe(0);
    // The undone stroke is still one redo away.
    m.keyDown({ key: 'y', ctrl: true });
    expect(painted(m)).toBe(1);
  });

  it('a stroke to a point 1e9 px away paints its way across the mask at once instead of stamping billions of times', () => {
    const m = new PainterMachine(10, 10);
    m.size = 1;
    m.hardness = 1;
    const start = performance.now();
    m.pointerDown({ id: 1, x: -1e9, y: 5 });
    m.pointerMove({ id: 1, x: 1e9, y: 5 });
    m.pointerUp({ id: 1, x: 1e9, y: 5 });
    expect(performance.now() - start).toBeLessThan(1000);
    for (let x = 0; x < 10; x++) expect(m.mask.data[5 * 10 + x], `x=${x}`).toBe(1);
  });

  it('two fingers landing on one spot, or a NaN position, leave the view a number', () => {
    // Shrunk: both fingers at (10,10), then a move that keeps them together: the zoom became 0/0 = NaN for good.
    const m = new PainterMachine(20, 20);
    m.pointerDown({ id: 1, x: 10, y: 10 });
    m.pointerDown({ id: 2, x: 10, y: 10 });
    m.pointerMove({ id: 2, x: 10, y: 10 });
    m.pointerMove({ id: 2, x: 20, y: 10 });
    m.pointerUp({ id: 1, x: 0, y: 0 });
    m.pointerUp({ id: 2, x: 0, y: 0 });
    m.pointerDown({ id: 3, x: Number.NaN, y: 5, button: 1 });
    m.pointerMove({ id: 3, x: 7, y: 5 });
    m.wheel(Number.NaN, 0, 100);
    expect([m.view.zoom, m.view.panX, m.view.panY].every(Number.isFinite)).toBe(true);
  });
});
