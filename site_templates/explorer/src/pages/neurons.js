/**
 * CLIP Atlas neuron galleries: reads ../data/<dataset>/neurons/index.json (relative URLs only),
 * draws one grid of optimised images per layer, and opens a unit panel on click (or from the
 * #unit=<layer>:<unit> address). Dataset text is written as text only (ui/dom.js).
 */
import './neurons.css';
import { el, clear } from '../ui/dom.js';
import { fetchJSON } from '../data/fetch.js';
import { fmt, cleanPath, unitHash, unitFromHash } from './neurons-format.js';
import { fillPanel } from './neurons-panel.js';

function gallery(root) {
  const base = root.getAttribute('data-base') || '';
  const url = (path) => base + cleanPath(path);
  const flat = []; // [{layer, entry}] in page order, for previous / next
  let index = null, dialog = null;

  function ensureDialog() {
    if (dialog) return dialog;
    dialog = el('dialog', { class: 'neuron-panel', 'aria-label': 'unit details' });
    dialog.addEventListener('close', () => {
      if (location.hash.indexOf('#unit=') === 0) history.replaceState(null, '', location.pathname + location.search);
    });
    dialog.addEventListener('click', (ev) => { if (ev.target === dialog) dialog.close(); });
    document.body.appendChild(dialog);
    return dialog;
  }

  function openUnit(pos) {
    if (!flat[pos]) return;
    const d = ensureDialog();
    fillPanel(d, index, flat, pos, { show, url });
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

  function cell(layer, e) {
    const pos = flat.length;
    flat.push({ layer, entry: e });
    const img = el('img', { loading: 'lazy', decoding: 'async', width: 96, height: 96, alt: `unit ${e.unit}`, src: url(e.image) });
    return el('button', {
      class: `neuron-cell${e.exceeds ? ' neuron-exceeds' : ''}`, type: 'button',
      title: `${layer.name} unit ${e.unit}: ${fmt(e.activation)} (dataset max ${fmt(e.dataset_max)})`,
      onclick: () => show(pos),
    }, [img, el('span', { class: 'neuron-cell-label', text: e.unit })]);
  }

  function render() {
    clear(root).append(...index.layers.map((layer) => el('section', { class: 'neuron-layer' }, [
      el('h3', { class: 'neuron-layer-name', text: layer.name }),
      el('p', { class: 'neuron-kind', text: `${layer.kind} · ${layer.depth} layer · ${layer.units.length} of ${layer.units_total} units` }),
      el('div', { class: 'neuron-grid' }, layer.units.map((e) => cell(layer, e))),
    ])));
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
