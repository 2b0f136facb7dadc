/**
 * Store -> views: which part of the page redraws when which part of the state changes
 * (overlay rings and lines, legend, the map's colours, local view panel, search results, hover card).
 */
import { focusValue, legendNote, legendRows, valueStates } from './ui/legend-model.js';
import { focusColor, paletteData } from './gl/palette.js';

const WHITE = [1, 1, 1, 0.95], GOLD = [1, 0.82, 0.3, 1], TEAL = [0.45, 0.95, 0.9, 0.85], MAGENTA = [1, 0.35, 0.85, 1];
const SLOW_SHARD_MS = 120; // show a "loading" panel only if the shard takes longer than this

/** Rings (neighbours, selection, hover) and the lines from the focused image to its captions. */
export function overlayShapes(s, captions, I) {
  const rings = [];
  const segments = [];
  // an asked query: a big ring where it is placed, thin lines to the points it is placed among
  if (s.ask && s.ask.xyz) {
    rings.push({ xyz: s.ask.xyz, rgba: MAGENTA, size: 30 }, { xyz: s.ask.xyz, rgba: MAGENTA, size: 8 });
    for (const h of s.ask.top) segments.push([s.ask.xyz, h.index]);
  }
  if (s.local && s.local.neighbours) for (const q of s.local.neighbours) rings.push({ p: q, rgba: TEAL, size: 11 });
  if (s.selected >= 0) rings.push({ p: s.selected, rgba: GOLD, size: 22 });
  if (s.hover >= 0) rings.push({ p: s.hover, rgba: WHITE, size: 17 });
  const focus = s.hover >= 0 ? s.hover : s.selected;
  if (focus >= 0 && captions) {
    const img = captions.imageOfPoint(focus);
    for (const c of captions.ofImage(img)) segments.push([img, I + c]);
  }
  return [rings, segments];
}

/** `app`: {scene, modes, colorTables: {key: palette.colorTable + counts}} (main.js). */
export function connectViews(store, { overlay, legend, local, searchBox, preview, renderer, ctx, app }) {
  let loadingTimer = 0;
  const renderLegend = (s) => {
    const mode = app.modes.find((m) => m.key === s.colorBy) || app.modes[0];
    const table = app.colorTables[mode.key];
    legend.render({ key: mode.key, label: mode.label, rows: legendRows(mode.key, mode.names, table.counts, table),
      note: legendNote(table) });
  };
  // What the legend asks the map to draw: 1 KB of lookup textures, never a per-point buffer.
  const drawLegend = (s) => {
    const table = app.colorTables[s.colorBy];
    app.scene.setLegend(valueStates({ isolated: s.isolated, hidden: s.hidden, hover: s.legendHover }),
      paletteData(table, focusValue({ isolated: s.isolated, hover: s.legendHover })), s.captionsGrey);
    legend.update(s, s.isolated >= 0 ? focusColor(table, s.isolated) : '');
    renderer.invalidate(); // sizes change and hidden points leave the picking pass too
  };
  store.subscribe((s, changed) => {
    const any = (...keys) => keys.some((k) => changed.has(k));
    if (any('hover', 'selected', 'local', 'textReady', 'ask')) overlay.set(...overlayShapes(s, ctx.captions, ctx.I));
    if (any('colorBy')) renderLegend(s);
    if (any('colorBy', 'isolated', 'hidden', 'legendHover', 'captionsGrey')) drawLegend(s);
    if (any('selected', 'local', 'textReady', 'colorBy', 'captionsGrey')) {
      clearTimeout(loadingTimer);
      if (s.local || s.selected < 0) local.render(s.local, s.selected);
      // A "loading" panel only if the shard is slow: painting it first would delay the real one.
      else loadingTimer = setTimeout(() => { if (!store.get().local) local.render(null, store.get().selected); }, SLOW_SHARD_MS);
    }
    if (any('matches', 'query')) searchBox.render(s.query, s.matches);
    if (any('textReady')) preview.refresh();
  });
  renderLegend(store.get());
  drawLegend(store.get());
}
