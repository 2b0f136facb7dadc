/** The unit panel of the neuron galleries (DOM, text only): optimised image, bars, exemplars, captions. */
import { el } from '../ui/dom.js';
import { fmt, pct, labelsText, sparklinePoints, curveAxes, barWidths, spriteStyle, boxStyle, unitHash, acrossLayers,
  nameText, blockName, weakNote } from './neurons-format.js';

const SVG = 'http://www.w3.org/2000/svg';

function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function sparkline(values) {
  const w = 220, h = 48;
  const svg = svgEl('svg', { viewBox: `0 0 ${w} ${h}`, class: 'neuron-curve', role: 'img',
    'aria-label': 'activation over the optimisation steps' });
  const points = sparklinePoints(values, w, h);
  if (points) svg.appendChild(svgEl('polyline', { points }));
  return svg;
}

function bars(title, rows) {
  const widths = barWidths(rows.map((r) => r[1]));
  return el('div', { class: 'neuron-bars' }, [el('p', { class: 'neuron-sub', text: title }), ...rows.map(([label, value, kind], i) =>
    el('div', { class: 'neuron-bar-row' }, [
      el('span', { class: 'neuron-bar-label', text: label }),
      el('span', { class: 'neuron-bar-track' }, [el('span', { class: `neuron-bar neuron-bar-${kind}`, style: { width: `${widths[i]}%` } })]),
      el('span', { class: 'neuron-bar-value', text: fmt(value) }),
    ]))]);
}

/** One tile of a sprite strip as a background image. */
export function sprite(src, i, k, px, cls) {
  return el('div', { class: cls, style: { ...spriteStyle(i, k, px), backgroundImage: `url("${src}")` } });
}

function exemplar(e, x, i, k, px, byPeak, url) {
  const whole = sprite(url(e.top), i, k, px, 'neuron-tile neuron-whole');
  whole.append(el('span', { class: 'neuron-box', style: boxStyle(x.box || undefined) }));
  return el('figure', { class: 'neuron-exemplar' }, [
    el('div', { class: 'neuron-exemplar-pair' }, [sprite(url(e.crops), i, k, px, 'neuron-tile neuron-crop'), whole]),
    el('figcaption', { title: x.id }, [el('span', { class: 'neuron-act', text: fmt(byPeak ? x.peak : x.mean) }),
      el('span', { class: 'neuron-labels', text: labelsText(x.labels) })]),
  ]);
}

function leftColumn(layer, e, url) {
  return el('div', { class: 'neuron-panel-left' }, [
    el('img', { class: 'neuron-big', src: url(e.image), alt: `image optimised to excite ${layer.name} unit ${e.unit}` }),
    bars('Mean activation over positions (what the picture maximises)',
      [['optimised image', e.activation, 'opt'], ['best dataset image', e.dataset_max, 'max'],
        ['dataset average', e.dataset_mean, 'mean']]),
    bars('Strongest single position', [['optimised image', e.peak, 'opt'], ['best dataset image', e.dataset_peak_max, 'max']]),
    el('p', { class: 'neuron-note', text: e.exceeds ? 'The optimised image beats every dataset image.'
      : 'The best dataset image beats the optimised one.' }),
    el('p', { class: 'neuron-sub', text: 'Activation during optimisation' }),
    sparkline(e.curve),
    el('p', { class: 'neuron-axis', text: curveAxes(e.curve) }),
  ]);
}

function rightColumn(index, e, url) {
  const k = e.exemplars.length, px = index.tile_px || 64, byPeak = index.exemplars !== 'mean';
  const names = (e.names || []).map((n) => el('li', { class: n.weak ? 'neuron-name-weak' : '' }, [
    el('span', { class: 'neuron-name', text: nameText(n) }),
    el('span', { class: 'neuron-cos', text: ` ρ ${isFinite(n.score) ? n.score.toFixed(2) : 'n/a'}` })]));
  const right = el('div', { class: 'neuron-panel-right' }, [
    el('h3', { text: 'Named in words' }),
    el('p', { class: 'neuron-sub', text: 'Concepts whose image-text similarity over the dataset rises and falls with ' +
      "this unit's activation (rank correlation ρ)." + weakNote(index.name_weak_below) }),
    el('ol', { class: 'neuron-names' }, names.length ? names : [el('li', { text: 'none' })]),
    el('h3', { text: 'Dataset images that excite it most' }),
    el('p', { class: 'neuron-sub', text: 'Each pair: where the unit fires most, and the whole image with that ' +
      `region boxed. Ranked by ${byPeak ? "the unit's strongest position in the image" :
      "the unit's mean activation over the image"} (the number).` }),
    el('div', { class: 'neuron-exemplars' }, e.exemplars.map((x, i) => exemplar(e, x, i, k, px, byPeak, url))),
  ]);
  if (e.labels && e.labels.length) {
    right.append(el('h3', { text: 'What the exemplars share' }), el('ul', { class: 'neuron-agree' }, e.labels.map((l) =>
      el('li', { text: `${l.field}: ${l.value} in ${pct(l.share)} of them (${pct(l.base)} of the dataset)` }))));
  }
  const items = (e.captions || []).map((c) => el('li', {}, [el('span', { class: 'neuron-caption', text: c.text }),
    el('span', { class: 'neuron-cos', text: ` cos ${isFinite(c.cos) ? c.cos.toFixed(3) : 'n/a'}` })]));
  right.append(el('h3', { text: 'Nearest captions' }),
    el('ol', { class: 'neuron-captions' }, items.length ? items : [el('li', { text: 'none' })]));
  return right;
}

/** The same unit index in every layer of this kind, early to late: its picture, activation and name. */
function progression(index, flat, pos, show, url) {
  const { layer, entry: e } = flat[pos];
  const steps = acrossLayers(index.layers, layer, e.unit);
  if (steps.length < 2) return null;
  return el('div', { class: 'neuron-progression' }, [
    el('h3', { text: `Unit ${e.unit} across layers` }),
    el('p', { class: 'neuron-sub', text: `The same index in every ${layer.kind} layer shown, early to late.` }),
    el('div', { class: 'neuron-progression-row' }, steps.map((s) => {
      const to = flat.findIndex((it) => it.layer === s.layer && it.entry === s.entry); // -1: filtered out
      const here = s.layer.name === layer.name;
      return el('button', { class: `neuron-step${here ? ' neuron-step-here' : ''}`, type: 'button', disabled: here || to < 0,
        title: `${s.layer.name} unit ${s.entry.unit}`, onclick: () => show(to) }, [
        el('img', { src: url(s.entry.image), width: 72, height: 72, loading: 'lazy', alt: `${s.layer.name} unit ${s.entry.unit}` }),
        el('span', { class: 'neuron-step-layer', text: `${blockName(s.layer.name)} · ${s.layer.depth}` }),
        el('span', { class: 'neuron-step-act', text: `${fmt(s.entry.activation)} (data ${fmt(s.entry.dataset_max)})` }),
        el('span', { class: 'neuron-step-name', text: nameText((s.entry.names || [])[0]) }),
      ]);
    })),
  ]);
}

/**
 * Fill dialog `d` with unit `pos` of `flat` ([{layer, entry}] in page order). `show(pos)` moves
 * to another unit; `url(path)` makes a data path a URL.
 */
export function fillPanel(d, index, flat, pos, { show, url }) {
  const { layer, entry: e } = flat[pos];
  const nav = el('div', { class: 'neuron-panel-nav' }, [['‹ previous', pos - 1], ['next ›', pos + 1]].map(([text, to]) =>
    el('button', { class: 'md-button', type: 'button', text, disabled: to < 0 || to >= flat.length, onclick: () => show(to) })));
  // A permanent link: the address bar's #unit= can be replaced by the theme's scroll tracking.
  nav.append(el('a', { class: 'md-button neuron-permalink', href: unitHash(flat[pos]), text: 'link',
    title: 'a link that opens this unit' }));
  nav.append(el('button', { class: 'md-button neuron-close', type: 'button', text: 'close', onclick: () => d.close() }));
  d.textContent = '';
  d.append(
    el('div', { class: 'neuron-panel-head' }, [el('h2', { text: `${layer.name} · unit ${e.unit}` }), nav]),
    el('p', { class: 'neuron-kind', text: `${layer.kind} · ${layer.depth} layer` }),
    el('div', { class: 'neuron-panel-body' }, [leftColumn(layer, e, url), rightColumn(index, e, url)]),
  );
  const row = progression(index, flat, pos, show, url);
  if (row) d.append(row);
}
