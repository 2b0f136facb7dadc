/**
 * The local view panel's geometry, defined once in app.css as custom properties on :root
 * (--local-layout: side | sheet, --local-width, --local-inset, --local-sheet) and read here, so
 * the camera can keep a selected point clear of the panel.
 */

/** Read the panel geometry from the page's CSS -> {layout, width, inset, sheet (fraction)}. */
export function readGeometry(root = document.documentElement) {
  const style = getComputedStyle(root);
  const prop = (name) => style.getPropertyValue(name).trim();
  return {
    layout: prop('--local-layout') || 'side',
    width: parseFloat(prop('--local-width')) || 0,
    inset: parseFloat(prop('--local-inset')) || 0,
    sheet: (parseFloat(prop('--local-sheet')) || 0) / 100,
  };
}

/**
 * Where a selected point should sit, as an offset [dx, dy] from the centre of a w x h canvas:
 * centred in the part the panel leaves free (a side panel, at most 40% of the width, with its
 * inset on both sides; or a bottom sheet).
 */
export function panelShift(w, h, g) {
  return g.layout === 'sheet' ? [0, -g.sheet * h / 2] : [-(Math.min(g.width, w * 0.4) + 2 * g.inset) / 2, 0];
}

/** Would the panel cover canvas position (x, y), with `margin` px to spare? */
export function underPanel(x, y, w, h, g, margin) {
  const [sx, sy] = panelShift(w, h, g);
  return x > w + 2 * sx - margin || y > h + 2 * sy - margin;
}
