/**
 * Legend: the "colour by" control, the shape key (disc = image, ring = caption) and one row
 * per colour with its count. Names come from the manifest and are inserted as text.
 */
import { el, clear } from './dom.js';
import { colorOf } from '../gl/palette.js';

const MAX_ROWS = 40;

export function createLegend(root, { modes, onMode }) {
  const select = el('select', { id: 'color-by', 'aria-label': 'Colour points by', onchange: () => onMode(select.value) },
    modes.map((m) => el('option', { value: m, text: m })));
  const rows = el('ul', { class: 'legend-rows' });
  clear(root).append(
    el('label', { class: 'legend-head' }, ['Colour by ', select]),
    el('div', { class: 'shape-key' }, [
      el('span', { class: 'shape disc' }), 'image',
      el('span', { class: 'shape ring' }), 'caption',
    ]),
    rows,
  );

  return {
    /** Show `mode` with `names[i]` and `counts[i]` (entries with a zero count are left out). */
    render(mode, names, counts) {
      select.value = mode;
      clear(rows);
      const entries = [];
      for (let i = 0; i < counts.length; i++) if (counts[i] > 0) entries.push(i);
      if (mode !== 'modality') entries.sort((a, b) => counts[b] - counts[a]);
      for (const i of entries.slice(0, MAX_ROWS)) {
        const name = i === 255 ? '(none)' : names[i] !== undefined ? String(names[i]) : `#${i}`;
        const swatch = el('span', { class: 'swatch' });
        swatch.style.background = colorOf(mode, i);
        rows.append(el('li', {}, [swatch, el('span', { class: 'name', text: name, title: name }),
          el('span', { class: 'count', text: counts[i].toLocaleString('en-US') })]));
      }
      if (entries.length > MAX_ROWS) rows.append(el('li', { class: 'more', text: `+ ${entries.length - MAX_ROWS} more` }));
    },
  };
}

/** Histogram of a uint8 buffer. */
export function countValues(values) {
  const counts = new Uint32Array(256);
  for (let i = 0; i < values.length; i++) counts[values[i]]++;
  return counts;
}
