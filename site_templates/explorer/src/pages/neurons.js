/**
 * CLIP Atlas neuron galleries: reads ../data/<dataset>/neurons/index.json (relative URLs only),
 * draws one grid of optimised images per layer (early to late: with a concept typed in the filter,
 * each layer's best-matching units side by side, the layer progression), sortable, and opens a unit
 * panel on click (or from the #unit=<layer>:<unit> address). Dataset text is written as text only (ui/dom.js).
 */
import './neurons.css';
import { el, clear } from '../ui/dom.js';
import { fetchJSON } from '../data/fetch.js';
import { fmt, cleanPath, unitHash, unitFromHash, visibleUnits, nameText, SORTS } from './neurons-format.js';
import { fillPanel } from './neurons-panel.js';

function gallery(root) {
  const base = root.getAttribute('data-base') || '';
  const url = (path) => base + cleanPath(path);
  const flat = []; // [{layer, entry}] in page order, for previous / next
  let index = null, dialog = null;
  let shown = -1; // the position in `flat` of the unit the panel shows

  function ensureDialog() {
    if (dialog) return dialog;
    dialog = el('dialog', { class: 'neuron-panel', 'aria-label': 'unit details' });
    // The close event comes a task after the panel closed: by then the reader may have followed
    // a link to another unit, whose address stays (and whose panel hashchange opens).
    dialog.addEventListener('close', () => {
      if (!dialog.open && unitFromHash(location.hash, flat) === shown) history.replaceState(null, '', location.pathname + location.search);
    });
    dialog.addEventListener('click', (ev) => { if (ev.target === dialog) dialog.close(); });
    document.body.appendChild(dialog);
    return dialog;
  }

  function openUnit(pos) {
    if (!flat[pos]) return;
    const d = ensureDialog();
    fillPanel(d, index, flat, pos, { show, url });
    shown = pos;
    if (!d.open) d.showModal();
  }

  function show(pos) {
    if (!flat[pos]) return;
    history.replaceState(null, '', unitHash(flat[pos]));
    openUnit(pos);
  }

  function fromHash() {
    const pos = unitFromHash(location.hash, flat);
    if (pos >= 0) openUnit(pos);
  }

  const state = { query: '', sort: 'unit' };
  let body = null, count = null;

  function cell(layer, e) {
    const pos = flat.length;
    flat.push({ layer, entry: e });
    const img = el('img', { loading: 'lazy', decoding: 'async', width: 96, height: 96, alt: `unit ${e.unit}`, src: url(e.image) });
    const q = state.query.trim().toLowerCase(); // under a filter, the cell names the matching concept
    const names = e.names || [];
    const hit = q ? names.find((n) => String(n.concept).toLowerCase().includes(q)) : names[0];
    const name = nameText(hit);
    return el('button', {
      class: `neuron-cell${e.exceeds ? ' neuron-exceeds' : ''}`, type: 'button',
      title: `${layer.name} unit ${e.unit}: ${fmt(e.activation)} (dataset max ${fmt(e.dataset_max)})`,
      onclick: () => show(pos),
    }, [img, el('span', { class: 'neuron-cell-label', text: e.unit }), el('span', { class: `neuron-cell-name${hit && hit.weak ? ' neuron-weak' : ''}`, text: name })]);
  }

  function layers() {
    flat.length = 0;
    let shown = 0;
    clear(body).append(...index.layers.map((layer) => {
      const units = visibleUnits(layer.units, state.query, state.sort);
      shown += units.length;
      return el('section', { class: 'neuron-layer', 'data-layer': layer.name }, [
        el('h3', { class: 'neuron-layer-name', text: layer.name }),
        el('p', { class: 'neuron-kind', text: `${layer.kind} · ${layer.depth} layer · ${units.length} of ${layer.units_total} units` }),
        el('div', { class: 'neuron-grid' }, units.map((e) => cell(layer, e))),
      ]);
    }));
    count.textContent = `${shown} units shown`;
  }

  function toolbar() {
    const input = el('input', { type: 'search', class: 'neuron-filter', placeholder: 'concept, e.g. red',
      'aria-label': 'show units named by a concept', list: 'neuron-concepts' });
    input.addEventListener('input', () => { state.query = input.value; layers(); });
    const select = el('select', { class: 'neuron-sort', 'aria-label': 'sort units' }, SORTS.map((k) =>
      el('option', { value: k, text: { unit: 'unit index', activation: 'optimised activation', dataset: 'best dataset activation',
        beats: 'optimised ÷ dataset max', name: 'name score' }[k] })));
    select.addEventListener('change', () => { state.sort = select.value; layers(); });
    const concepts = el('datalist', { id: 'neuron-concepts' }, (index.concepts || []).map((c) => el('option', { value: c })));
    count = el('span', { class: 'neuron-count' });
    return el('div', { class: 'neuron-toolbar' }, [el('label', { text: 'Named ' }, [input]), el('label', { text: 'Sort by ' }, [select]),
      count, concepts]);
  }

  function render() {
    body = el('div', { class: 'neuron-layers' });
    clear(root).append(toolbar(), body);
    layers();
    fromHash();
  }

  window.addEventListener('hashchange', fromHash);
  fetchJSON(root.getAttribute('data-index'))
    .then((doc) => { index = doc; render(); })
    .catch((err) => {
      clear(root).append(el('p', { class: 'neuron-status', text: `Could not load the galleries (${err.message}). ` +
        'Pages opened straight from disk cannot load data: serve the site folder, e.g. with `python -m http.server`.' }));
    });
}

const root = document.getElementById('neuron-gallery');
if (root) gallery(root);
