// Virtual grid arithmetic, DOM-free: which rows of a grid of equal cells are visible for a scroll position.

export interface GridGeometry {
  /** Items in the grid. */
  count: number;
  /** Width of the scrolling area (px). */
  width: number;
  /** Smallest cell width (px): as many columns as fit. */
  minCell: number;
  /** Gap between cells (px). */
  gap: number;
}

export interface VirtualWindow {
  columns: number;
  /** Height of one row including its gap (px). */
  rowHeight: number;
  /** Height of the whole grid (px): the scroll range. */
  totalHeight: number;
  /** First and one-past-last item index to put in the DOM. */
  start: number;
  end: number;
  /** Offset (px) of the first rendered row from the top of the grid. */
  offsetTop: number;
}

/** Columns that fit `width` with cells of at least `minCell` and `gap` between them (at least one). */
export function columnsFor(width: number, minCell: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (minCell + gap)));
}

/**
 * The items to render for a viewport at `scrollTop` of height `viewport`, with `overscan` extra rows above and
 * below (so a fast scroll does not show blank rows). Cells are square: the row height follows the column width.
 */
export function virtualWindow(g: GridGeometry, scrollTop: number, viewport: number, overscan = 2): VirtualWindow {
  const columns = columnsFor(g.width, g.minCell, g.gap);
  const cell = Math.max(1, (g.width - g.gap * (columns - 1)) / columns);
  const rowHeight = cell + g.gap;
  const rows = Math.ceil(g.count / columns);
  const totalHeight = rows === 0 ? 0 : rows * rowHeight - g.gap;
  const top = Math.max(0, scrollTop);
  const firstRow = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const lastRow = Math.min(rows, Math.ceil((top + Math.max(0, viewport)) / rowHeight) + overscan);
  return {
    columns,
    rowHeight,
    totalHeight,
    start: Math.min(g.count, firstRow * columns),
    end: Math.min(g.count, Math.max(firstRow, lastRow) * columns),
    offsetTop: firstRow * rowHeight,
  };
}
