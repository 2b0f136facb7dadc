/**
 * Store -> the selection panel: when the selection changes, count it (modality, every label
 * field: their one-byte buffers load the first time), find its frequent caption words, a few
 * thumbnails and its nearest captions, and render them (ui/selection-panel.js). Exports the
 * selection as CSV or JSON through a Blob and an object URL (nothing leaves the page).
 */
import { loadBuffer } from './data/buffers.js';
import { fetchBytes } from './data/fetch.js';
import { resolveUrl } from './data/manifest.js';
import { MAX_URL_POINTS } from './selection/encode.js';
import { selectionRows, toCsv, toJson } from './selection/export.js';
import { evenSample, fieldCounts, modalityCounts, nearestByMeanDirection, nearestByNeighbours, topWords }
  from './selection/summary.js';

const THUMBS = 8, NEAREST = 5, NEIGHBOUR_SAMPLE = 48, TEXT_SAMPLE = 3000;

/** app: main.js's (store, manifest, baseUrl, ctx, modes, colorValues, localViewOf, projections, entry). */
export function connectSelection(app, panel) {
  const { store, manifest, baseUrl, ctx } = app;
  const { I } = manifest.counts;
  const fieldModes = app.modes.filter((m) => m.field !== undefined);
  let index = null; // the browser model's int8 index, when the manifest has one: {rows, scales, dim}
  let token = 0;

  const valuesOf = async (m) => {
    if (!app.colorValues[m.key]) app.colorValues[m.key] = await loadBuffer(manifest, baseUrl, m.key);
    return app.colorValues[m.key];
  };
  async function loadIndex() {
    const spec = manifest.browser_model && manifest.browser_model.index;
    if (!spec || !spec.file || !spec.scales || spec.order !== 'points') return null;
    if (!index) {
      const [rows, scales] = await Promise.all([fetchBytes(resolveUrl(spec.file, baseUrl)),
        fetchBytes(resolveUrl(spec.scales, baseUrl))]);
      index = { rows: new Int8Array(rows), scales: new Float32Array(scales), dim: spec.dim };
    }
    return index;
  }
  const captionText = (p) => (ctx.captions ? ctx.captions.text(p - I) : '');

  /** The nearest captions: {method, items}. */
  async function nearest(sel) {
    let idx = null;
    try {
      idx = await loadIndex();
    } catch (err) {
      console.warn('browser_model index:', err.message);
    }
    if (idx) {
      const top = nearestByMeanDirection(idx.rows, idx.scales, idx.dim, sel, I, NEAREST);
      return { method: 'Closest to the selection\'s mean direction in the embedding (int8 query index).',
        items: top.map((t) => ({ p: t.p, text: captionText(t.p), detail: `cos ${t.score.toFixed(3)}` })) };
    }
    const sample = evenSample(sel, NEIGHBOUR_SAMPLE);
    const lists = [];
    for (const p of sample) {
      try {
        lists.push(Array.from((await app.localViewOf(p)).neighbours));
      } catch (err) {
        console.warn(err.message);
      }
    }
    const top = nearestByNeighbours(lists, I, NEAREST);
    return { method: `Most often among the precomputed nearest neighbours of ${sample.length.toLocaleString('en-US')}` +
      `${sample.length < sel.length ? ' sampled' : ''} selected points (no embedding index in this build).`,
    items: top.map((t) => ({ p: t.p, text: captionText(t.p), detail: `×${t.count}` })) };
  }

  async function summarise(sel) {
    const images = [];
    for (const p of sel) images.push(ctx.captions ? ctx.captions.imageOfPoint(p) : p < I ? p : -1);
    const imageSet = [...new Set(images.filter((i) => i >= 0))];
    const texts = new Set();
    if (ctx.captions) {
      for (const p of evenSample(sel, TEXT_SAMPLE)) {
        if (p >= I) texts.add(p - I);
        else for (const c of ctx.captions.ofImage(p)) texts.add(c);
      }
    }
    const fields = [];
    for (const m of fieldModes) {
      try {
        fields.push({ field: m.label, rows: fieldCounts(sel, await valuesOf(m), m.names) });
      } catch (err) {
        console.warn(`selection counts of ${m.label}: ${err.message}`);
      }
    }
    return { count: sel.length, ...modalityCounts(sel, I), urlKept: sel.length <= MAX_URL_POINTS, maxUrl: MAX_URL_POINTS,
      thumbs: evenSample(imageSet, THUMBS), words: topWords([...texts].map((c) => ctx.captions.text(c)), 8), fields,
      nearest: null };
  }

  async function show(sel) {
    const mine = ++token;
    if (!sel) return panel.render(null);
    await app.textReady;
    const s = await summarise(sel);
    if (mine !== token) return;
    panel.render(s);
    s.nearest = await nearest(sel);
    if (mine === token) panel.render(s);
  }

  /** Download the selection as 'csv' or 'json'. */
  async function exportAs(kind) {
    const sel = store.get().selection;
    if (!sel) return;
    await app.textReady;
    const fields = [];
    for (const m of fieldModes) fields.push({ field: m.label, names: m.names, values: await valuesOf(m).catch(() => null) });
    const table = selectionRows(sel, { I, items: ctx.items, captions: ctx.captions, fields,
      position: (p) => app.scene.position(p), projection: app.projections.current });
    const text = kind === 'json'
      ? toJson(table, { dataset: app.entry.name, projection: app.projections.current, exported: new Date().toISOString() })
      : toCsv(table.rows, table.columns);
    const blob = new Blob([text], { type: kind === 'json' ? 'application/json' : 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `selection-${app.entry.name}-${sel.length}.${kind}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  store.subscribe((s, changed) => {
    if (changed.has('selection')) show(s.selection);
  });
  return { exportAs, refresh: () => show(store.get().selection) };
}
