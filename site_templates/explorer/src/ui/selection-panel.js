/**
 * The selection panel: how many points, images and captions; export buttons; whether the link
 * keeps the selection; a few thumbnails; the most frequent caption words; counts per label
 * field; the captions nearest the selection (and by which method). Dataset text (captions,
 * labels, field names) only ever becomes text nodes (el()).
 */
import { clear, el } from './dom.js';

const fmt = (n) => Number(n).toLocaleString('en-US');
const THUMB_PX = 44;

/** `node`: the panel; `thumbs` (ui/thumbs.js); on: {clear(), exportAs(kind), pick(p)}. */
export function createSelectionPanel(node, { thumbs, on }) {
  const section = (title, ...children) => el('section', { class: 'sel-section' }, [el('h3', { text: title }), ...children]);

  function counts(rows, total) {
    return el('ul', { class: 'sel-counts' }, rows.map((r) => el('li', {}, [
      el('span', { class: 'sel-name', text: r.name, title: r.name }),
      el('span', { class: 'sel-bar', style: { width: `${Math.max(2, Math.round((100 * r.count) / Math.max(total, 1)))}%` } }),
      el('span', { class: 'sel-count', text: fmt(r.count) }),
    ])));
  }

  /** `s`: null (hidden) or {count, images, captions, urlKept, maxUrl, thumbs: [image], words:
   * [{word, count}], fields: [{field, rows}], nearest: null (pending) | {method, items: [{p, text,
   * detail}]}, note}. */
  function render(s) {
    clear(node);
    node.hidden = !s;
    if (!s) return;
    node.append(el('div', { class: 'sel-head' }, [
      el('h2', { text: 'Selection' }),
      el('button', { class: 'close', type: 'button', title: 'Clear the selection (Esc)', 'aria-label': 'Clear the selection', text: '×', onclick: on.clear }),
    ]));
    node.append(el('p', { class: 'sel-total' }, [el('b', { text: `${fmt(s.count)} points` }),
      ` · ${fmt(s.images)} images · ${fmt(s.captions)} captions`]));
    node.append(el('div', { class: 'sel-actions' }, [
      el('button', { class: 'sel-button', type: 'button', 'data-export': 'csv', text: 'Export CSV', onclick: () => on.exportAs('csv') }),
      el('button', { class: 'sel-button', type: 'button', 'data-export': 'json', text: 'Export JSON', onclick: () => on.exportAs('json') }),
    ]));
    node.append(el('p', { class: s.urlKept ? 'sel-url muted' : 'sel-url warn', text: s.urlKept
      ? 'The link in the address bar keeps this selection.'
      : `Too large to keep in the link (${fmt(s.count)} points; at most ${fmt(s.maxUrl)}): export it to keep it.` }));
    if (s.note) node.append(el('p', { class: 'sel-url warn', text: s.note }));
    if (s.thumbs.length && thumbs.available) {
      node.append(el('div', { class: 'sel-thumbs' }, s.thumbs.map((i) => {
        const t = thumbs.make(i, THUMB_PX);
        const b = el('button', { class: 'sel-thumb', type: 'button', title: 'Open this image', onclick: () => on.pick(i) }, [t]);
        return b;
      })));
    }
    if (s.words.length) {
      node.append(section('Frequent caption words', el('p', { class: 'sel-words' },
        s.words.map((w) => el('span', { class: 'cat', text: `${w.word} ${fmt(w.count)}` })))));
    }
    for (const f of s.fields) node.append(section(f.field, counts(f.rows.slice(0, 6), s.count)));
    const near = s.nearest;
    node.append(section('Nearest captions', near
      ? el('div', {}, [el('p', { class: 'muted sel-method', text: near.method }),
        el('ol', { class: 'sel-near' }, near.items.map((it) => el('li', {}, [
          el('button', { type: 'button', class: 'sel-near-text', onclick: () => on.pick(it.p) },
            [it.text, el('span', { class: 'muted', text: ` ${it.detail}` })])])))])
      : el('p', { class: 'muted', text: 'finding them…' })));
  }

  return { render };
}
