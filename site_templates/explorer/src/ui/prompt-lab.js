/**
 * The prompt lab (miniClip, static): for one image (a dataset image or an uploaded one) the
 * reader types several prompts, one per line, and sees each prompt's cosine with the image, its
 * logit (logit_scale x cosine) and the softmax over the prompts, side by side; where the build
 * exported dense patch features for the image, each prompt's saliency map over it (one dot
 * product per patch, in the worker). Pure parts (labRows, heatColor, denseBoxInThumb) are tested.
 */
import { el, clear } from './dom.js';
import { softmax } from '../ask/score.js';
import { rampColor } from '../ask/ramp.js';

const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '–');

/** [{prompt, cosine, logit, p}] in the prompts' order. */
export function labRows(prompts, cosines, logitScale) {
  const p = softmax(cosines, logitScale);
  return prompts.map((prompt, i) => ({ prompt, cosine: cosines[i], logit: cosines[i] * logitScale, p: p[i] }));
}

/**
 * Where the dense grid's box [x0, y0, x1, y1] (image pixels) lies in a square thumbnail that
 * shows the whole image: fractions [left, top, width, height]. The image's size is taken as
 * (x0 + x1, y0 + y1): the box is a centred crop, so its margins are equal on both sides.
 */
export function denseBoxInThumb(box) {
  const [x0, y0, x1, y1] = box;
  const w = x0 + x1, h = y0 + y1;
  return w > 0 && h > 0 ? [x0 / w, y0 / h, (x1 - x0) / w, (y1 - y0) / h] : [0, 0, 1, 1];
}

/** The [lo, hi] range of several maps: one scale for all of them, so they compare. */
export function mapsRange(maps) {
  let lo = Infinity, hi = -Infinity;
  for (const m of maps) for (const v of m) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return [lo, hi];
}

/** A saliency map as RGBA over [lo, hi] (low: faint dark ramp colours, high: opaque yellow). */
export function heatColor(map, [lo, hi] = mapsRange([map])) {
  const span = hi - lo || 1;
  const out = new Uint8ClampedArray(map.length * 4);
  map.forEach((v, i) => {
    const t = (v - lo) / span;
    out.set([...rampColor(t), Math.round(40 + 170 * t)], 4 * i);
  });
  return out;
}

/**
 * `root`: the panel's lab element. on.embed(prompts) -> [Float32Array]; on.maps(vectors) ->
 * null or [Float32Array(gh * gw)] for the current image.
 */
export function createPromptLab(root, { thumbs, logitScale, on }) {
  let subject = null; // {label, vector, image (thumbnail index or -1), dense: {grid, box} | null}
  const area = el('textarea', { class: 'lab-prompts', rows: 4, spellcheck: 'false', 'aria-label': 'Prompts, one per line' });
  const out = el('div', { class: 'lab-out' });
  const head = el('h3');
  const run = el('button', { class: 'ask-button', type: 'button', text: 'Score the prompts', onclick: () => score() });
  area.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) score(); });
  root.append(head, el('p', { class: 'muted', text: 'One prompt per line; Ctrl+Enter scores them.' }), area, run, out);
  root.hidden = true;

  function mapTile(map, grid, range) {
    const canvas = el('canvas', { class: 'lab-map', width: grid[1], height: grid[0] });
    canvas.getContext('2d').putImageData(new ImageData(heatColor(map, range), grid[1], grid[0]), 0, 0);
    const tile = el('div', { class: 'lab-tile' }, [thumbs.make(subject.image, 96), canvas]);
    const [l, t, w, h] = denseBoxInThumb(subject.dense.box);
    Object.assign(canvas.style, { left: `${l * 96}px`, top: `${t * 96}px`, width: `${w * 96}px`, height: `${h * 96}px` });
    return tile;
  }

  async function score() {
    if (!subject) return;
    const prompts = area.value.split('\n').map((s) => s.trim()).filter(Boolean).slice(0, 12);
    clear(out);
    if (!prompts.length) return;
    const t0 = performance.now();
    const vectors = await on.embed(prompts);
    const cos = vectors.map((v) => v.reduce((s, x, j) => s + x * subject.vector[j], 0));
    const rows = labRows(prompts, cos, logitScale);
    const maps = subject.dense ? await on.maps(vectors) : null;
    const ms = performance.now() - t0;
    out.append(el('table', { class: 'lab-table' }, [
      el('thead', {}, el('tr', {}, ['prompt', 'cosine', 'logit', 'softmax'].map((t) => el('th', { text: t })))),
      el('tbody', {}, rows.map((r) => el('tr', {}, [el('td', { text: r.prompt }), el('td', { text: fmt(r.cosine) }),
        el('td', { text: fmt(r.logit, 2) }), el('td', { text: `${(r.p * 100).toFixed(1)}%` })]))),
    ]), el('p', { class: 'muted', text: `logit = ${logitScale.toFixed(1)} × cosine · ${ms.toFixed(0)} ms` }));
    if (maps) {
      const range = mapsRange(maps);
      out.append(el('p', { class: 'muted', text: `patch cosine ${fmt(range[0])} (faint) to ${fmt(range[1])} (yellow), one scale for all maps` }),
        el('div', { class: 'lab-maps' }, maps.map((m, i) => el('figure', {}, [mapTile(m, subject.dense.grid, range),
          el('figcaption', { text: prompts[i] })]))));
    }
    root.dataset.scored = String(rows.length);
  }

  return {
    /** Show the lab for `s` (null hides it); `prompts` fill an empty box. */
    set(s, prompts = []) {
      subject = s;
      root.hidden = !s;
      clear(out);
      delete root.dataset.scored;
      if (!s) return;
      head.textContent = `Prompt lab: ${s.label}`;
      if (!area.value.trim()) area.value = prompts.join('\n');
      if (s.dense) out.append(el('p', { class: 'muted', text: 'Saliency: each patch\u2019s cosine with the prompt (dense features exported by the build).' }));
    },
    score,
    get subject() { return subject; },
  };
}
