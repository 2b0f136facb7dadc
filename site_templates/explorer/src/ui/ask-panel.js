/**
 * The Ask panel: the model's loading progress (bytes), the answer to a query (nearest images and
 * captions with their cosine, click one to open it), the similarity shading and its key, where
 * the query's marker sits, the query's zero-shot scores, the prompt lab (prompt-lab.js) and the
 * image upload. Dataset text only ever becomes text nodes (el()).
 */
import { el, clear } from './dom.js';
import { RAMP_CSS } from '../ask/ramp.js';
import { MARKER_K } from '../ask/ask-actions.js';

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(3) : '–');

/** A table of zero-shot scores: per field, its best three values with their softmax share. */
export function zeroShotTable(results) {
  return el('div', { class: 'ask-zs' }, results.map((r) => el('div', { class: 'ask-zs-field' }, [
    el('span', { class: 'ask-zs-name', text: r.field }),
    ...r.rows.slice(0, 3).map((row) => el('span', { class: 'ask-zs-value', title: `cosine ${fmt(row.cosine)}` }, [
      el('span', { class: 'bar', style: { width: `${Math.round(row.p * 100)}%` } }),
      el('span', { class: 'ask-zs-text', text: `${row.name} ${(row.p * 100).toFixed(0)}%` })])),
  ])));
}

export function createAskPanel(root, { thumbs, ctx, textOf, canUpload, on }) {
  const body = el('div', { class: 'ask-body' });
  const progress = el('div', { class: 'ask-progress', hidden: true }, [el('progress', { max: 1, value: 0 }), el('span')]);
  const file = el('input', { type: 'file', accept: 'image/*', class: 'ask-file', 'aria-label': 'Upload an image' });
  file.addEventListener('change', () => { if (file.files && file.files[0]) on.upload(file.files[0]); file.value = ''; });
  const upload = canUpload ? el('label', { class: 'ask-button ask-upload', title: 'Place an image of yours on the map' },
    [file, el('span', { text: 'Upload an image' })]) : null;
  const lab = el('div', { class: 'ask-lab' });
  root.append(
    el('div', { class: 'local-head' }, [el('h2', { text: 'Ask the model' }),
      el('button', { class: 'close', type: 'button', 'aria-label': 'Close the Ask panel', text: '×', onclick: () => on.close() })]),
    el('p', { class: 'ask-privacy muted', text: 'The model runs in this browser: what you type or upload never leaves your machine.' }),
    progress, body, upload, lab);

  function setProgress(loaded, total) {
    progress.hidden = loaded >= total;
    progress.firstChild.value = total ? Math.min(1, loaded / total) : 0;
    progress.lastChild.textContent = `loading the model: ${mb(loaded)} of ${mb(total)}`;
  }

  function hitList(hits, kind) {
    if (kind === 'image') {
      return el('ol', { class: 'ask-images' }, hits.map((h) => el('li', {
        class: 'ask-image', dataset: { point: String(h.index) }, title: textOf(h.index),
        onclick: () => on.pick(h.index) }, [thumbs.make(h.index, 64), el('span', { class: 'score', text: fmt(h.score) })])));
    }
    return el('ol', { class: 'ask-captions' }, hits.map((h) => el('li', {
      class: 'hit hit-caption', dataset: { point: String(h.index) }, onclick: () => on.pick(h.index) },
    [el('span', { class: 'score', text: fmt(h.score) }), el('span', { text: textOf(h.index) })])));
  }

  function render(s) {
    root.hidden = !s.askOpen;
    clear(body);
    const a = s.ask;
    if (!a) {
      body.append(el('p', { class: 'muted', text: 'Type a description in the box above and press Enter: the model finds the images and captions closest to it.' }));
      return;
    }
    const what = a.source === 'upload' ? 'your image' : `\u201c${a.text}\u201d`;
    if (a.status === 'loading') body.append(el('p', { class: 'muted', text: `asking about ${what}…` }));
    if (a.status === 'error') body.append(el('p', { class: 'ask-error', text: `Could not ask the model: ${a.error}` }));
    if (a.status !== 'ready') return;
    const shade = el('input', { type: 'checkbox', checked: s.shading, onchange: (e) => on.shade(e.target.checked) });
    body.append(
      el('p', { class: 'ask-query' }, [el('strong', { text: what }), el('span', { class: 'muted', text: ` · ${a.ms.toFixed(0)} ms${a.first ? ', loading the model included' : ''}` })]),
      el('label', { class: 'ask-shade' }, [shade, ' shade the map by similarity']),
      el('div', { class: 'ask-ramp' }, [el('span', { text: fmt(a.lo) }), el('span', { class: 'ramp', style: { backgroundImage: RAMP_CSS } }),
        el('span', { text: fmt(a.hi) })]),
      el('p', { class: 'ask-note muted', text: `The magenta marker sits at the mean position of the query's ${MARKER_K} most similar points, each weighted by its cosine.` }),
      el('h3', { text: 'Nearest images' }), hitList(a.images, 'image'),
      el('h3', { text: 'Nearest captions' }), hitList(a.captions, 'caption'));
    if (a.zeroShot) body.append(el('h3', { text: 'Zero-shot: the label prompts' }), zeroShotTable(a.zeroShot));
  }

  return { render, setProgress, lab, get element() { return root; } };
}
