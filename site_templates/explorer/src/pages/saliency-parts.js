/** The saliency page's controls and lists (DOM, text only): legend, controls, prompt rows, typographic cards. */
import { el } from '../ui/dom.js';
import { percent, cosine, logit, barFraction } from './saliency-maps.js';

/** "low [viridis bar] high". */
export function legendBar(lut) {
  const bar = el('canvas', { class: 'sal-legend-bar', width: 256, height: 10 });
  const ctx = bar.getContext('2d'), id = ctx.createImageData(256, 10);
  for (let x = 0; x < 256; x++) for (let y = 0; y < 10; y++) {
    const o = (y * 256 + x) * 4;
    id.data[o] = lut[x * 3]; id.data[o + 1] = lut[x * 3 + 1]; id.data[o + 2] = lut[x * 3 + 2]; id.data[o + 3] = 255;
  }
  ctx.putImageData(id, 0, 0);
  return el('div', { class: 'sal-legend' }, [el('span', { text: 'low' }), bar, el('span', { text: 'high' })]);
}

function checkbox(state, text, key, redraw) {
  const cb = el('input', { type: 'checkbox' });
  cb.checked = !!state[key];
  cb.addEventListener('change', () => { state[key] = cb.checked; redraw(); });
  return el('label', { class: 'sal-check' }, [cb, ` ${text}`]);
}

/** Opacity slider, map method, shared scale and box toggles; each change updates `state` and redraws. */
export function controls(state, method, redraw) {
  const slider = el('input', { class: 'sal-opacity', type: 'range', min: '0', max: '1', step: '0.05' });
  slider.value = String(state.opacity);
  slider.addEventListener('input', () => { state.opacity = parseFloat(slider.value); redraw(); });
  const sel = el('select', { class: 'sal-method' }, [
    ['gradient', `with gradients (${method})`], ['tokens', 'without gradients (token similarity)'],
  ].map(([value, text]) => el('option', { value, text })));
  sel.addEventListener('change', () => { state.method = sel.value; redraw(); });
  return el('div', { class: 'sal-controls' }, [
    el('label', { text: 'Heatmap opacity ' }, [slider]),
    el('label', { text: 'Map ' }, [sel]),
    checkbox(state, 'same scale for all prompts of this image', 'shared', redraw),
    checkbox(state, "show the object's box", 'box', redraw),
  ]);
}

function bar(cls, frac, title) {
  const fill = el('span', { class: 'sal-fill' });
  fill.style.width = `${(100 * barFraction(frac)).toFixed(1)}%`;
  return el('span', { class: `sal-bar ${cls}`, title }, [fill]);
}

/** How the logits and the softmax follow from the cosines: the logit scale and the temperature. */
export function scaleNote(scale, temperature, count) {
  return el('p', { class: 'sal-scale' }, [
    'Logit = logit scale \u00d7 cosine, with this model\u2019s logit scale ',
    el('strong', { class: 'sal-scale-value', text: `s = ${scale.toFixed(2)}` }),
    `. The softmax over this image\u2019s ${count} prompts is taken of the logits: of the cosines at temperature `,
    el('strong', { class: 'sal-temperature', text: `1/s = ${temperature.toPrecision(3)}` }), '.',
  ]);
}

/** The header row and one button per prompt (cosine bar, logit, softmax bar); `choose(k)` on click. */
export function promptRows(prompts, current, roles, range, choose) {
  const head = el('div', { class: 'sal-row sal-head' }, [
    el('span', { class: 'sal-text', text: 'Prompt' }), el('span', { text: 'Cosine similarity' }),
    el('span', { class: 'sal-logit', text: 'Logit' }), el('span', { text: 'Softmax' })]);
  return [head, ...prompts.map((p, k) => el('button', {
    class: 'sal-row', type: 'button', role: 'listitem', 'aria-pressed': k === current ? 'true' : 'false',
    onclick: () => choose(k),
  }, [
    el('span', { class: 'sal-text' }, [
      el('span', { class: 'sal-prompt', text: p.text }),
      el('span', { class: 'sal-role', text: (roles && roles[p.role]) || p.role }),
    ]),
    el('span', { class: 'sal-num sal-cos' }, [bar('sal-sim', (p.sim - range[0]) / (range[1] - range[0]), `cosine ${cosine(p.sim)}`),
      el('span', { text: cosine(p.sim) })]),
    el('span', { class: 'sal-num sal-logit', title: 'logit = logit scale \u00d7 cosine', text: logit(p.logit) }),
    el('span', { class: 'sal-num sal-softmax' }, [bar('sal-p', p.p, `softmax ${percent(p.p)}`), el('span', { text: percent(p.p) })]),
  ]))];
}

/** One typographic-attack card: the word's and the object's maps; a click on a map calls `open()`. */
export function typographicCard(im, figure, open) {
  const t = im.typographic;
  const card = el('div', { class: 'sal-typo' }, [
    el('p', { class: 'sal-typo-title' }, [el('strong', { text: t.word_wins ? 'The word wins' : 'The object wins' }),
      ' \u2014 written word: ', el('code', { text: t.word })]),
    el('div', { class: 'sal-figs' }, [figure(t.word_prompt, t.word_wins ? ' (higher)' : ''),
      figure(t.object_prompt, t.word_wins ? '' : ' (higher)')]),
  ]);
  card.addEventListener('click', (e) => { if (e.target.tagName === 'CANVAS') open(); });
  return card;
}
