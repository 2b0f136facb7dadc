/**
 * Legend: the "colour by" control, the name of what colours the map, the shape key (disc =
 * image, ring = caption), "captions grey", and one row per value with its count: every value, in
 * a list that scrolls. A row is a button: hovering or focusing it highlights its value's points,
 * clicking isolates the value (click again, or "show all", to see all); the eye button beside
 * it (or Alt + click) hides the value. Names are dataset text and are inserted as text.
 */
import { el, clear } from './dom.js';

export { countValues } from './legend-model.js';

/**
 * `modes`: [{key, label}] (modes.js); `on`: {mode(key), hover(value or -1), isolate(value),
 * hide(value), showAll(), captionsGrey(bool)}.
 */
export function createLegend(root, { modes, on }) {
  const select = el('select', { id: 'color-by', 'aria-label': 'Colour points by', onchange: () => on.mode(select.value) },
    modes.map((m) => el('option', { value: m.key, text: m.label })));
  const title = el('span', { class: 'legend-field' });
  const howMany = el('span', { class: 'legend-count' });
  const grey = el('input', { type: 'checkbox', id: 'captions-grey', onchange: () => on.captionsGrey(grey.checked) });
  const showAll = el('button', { type: 'button', class: 'show-all', text: 'show all', hidden: true, onclick: () => on.showAll() });
  const note = el('p', { class: 'legend-note', hidden: true });
  const list = el('ul', { class: 'legend-rows' });
  let rowOf = new Map();
  let shownIsolated = -1;
  clear(root).append(
    el('label', { class: 'legend-head' }, ['Colour by ', select]),
    el('div', { class: 'legend-title' }, [el('h2', {}, [title, howMany]), showAll]),
    el('div', { class: 'shape-key' }, [
      el('span', { class: 'shape disc' }), 'image',
      el('span', { class: 'shape ring' }), 'caption',
      el('label', { class: 'grey-toggle', title: 'Images coloured by the field, captions drawn grey' }, [grey, 'captions grey']),
    ]),
    note,
    list,
  );

  function row(r) {
    const swatch = el('span', { class: 'swatch', dataset: { color: r.color } });
    swatch.style.background = r.color;
    const main = el('button', {
      type: 'button', class: 'legend-value', 'aria-pressed': 'false', title: `${r.name}: click to isolate, Alt+click to hide`,
      onclick: (e) => (e.altKey ? on.hide(r.value) : on.isolate(r.value)),
      onfocus: () => on.hover(r.value),
      onblur: () => on.hover(-1),
    }, [swatch, el('span', { class: 'name', text: r.name }), el('span', { class: 'count', text: r.count.toLocaleString('en-US') })]);
    const eye = el('button', {
      type: 'button', class: 'legend-eye', 'aria-pressed': 'false', 'aria-label': `hide ${r.name}`, title: 'hide',
      onclick: () => on.hide(r.value),
    }, [el('span', { class: 'eye', 'aria-hidden': 'true' })]); // drawn by CSS; slashed when hidden
    return el('li', {
      class: 'legend-row', dataset: { value: String(r.value) },
      onmouseenter: () => on.hover(r.value),
      onmouseleave: () => on.hover(-1),
    }, [main, eye]);
  }

  return {
    /** Show a mode: {key, label (what colours the map), rows (legend-model.legendRows), note}. */
    render({ key, label, rows, note: text }) {
      select.value = key;
      title.textContent = label;
      howMany.textContent = key === 'modality' ? '' : ` · ${rows.length} value${rows.length === 1 ? '' : 's'}`;
      note.textContent = text;
      note.hidden = !text;
      clear(list);
      rowOf = new Map();
      shownIsolated = -1;
      for (const r of rows) {
        const node = row(r);
        rowOf.set(r.value, node);
        list.append(node);
      }
    },
    /** Reflect {isolated, hidden, captionsGrey} (store state) in the rows and controls;
     * `isolatedColor`: the colour the isolated value is drawn in (palette.focusColor). */
    update({ isolated, hidden, captionsGrey }, isolatedColor = '') {
      const hiddenSet = new Set(hidden);
      if (isolated !== shownIsolated && rowOf.has(isolated)) rowOf.get(isolated).scrollIntoView({ block: 'nearest' });
      shownIsolated = isolated;
      for (const [value, node] of rowOf) {
        const on = value === isolated, off = hiddenSet.has(value) && !on;
        const swatch = node.firstChild.firstChild;
        swatch.style.background = on && isolatedColor ? isolatedColor : swatch.dataset.color;
        node.classList.toggle('is-isolated', on);
        node.classList.toggle('is-dimmed', isolated >= 0 && !on);
        node.classList.toggle('is-hidden', off);
        node.firstChild.setAttribute('aria-pressed', String(on));
        const eye = node.lastChild;
        eye.setAttribute('aria-pressed', String(off));
        const name = node.firstChild.children[1].textContent;
        eye.setAttribute('aria-label', `${off ? 'show' : 'hide'} ${name}`);
        eye.title = off ? 'show' : 'hide';
      }
      showAll.hidden = !(isolated >= 0 || hiddenSet.size > 0);
      grey.checked = Boolean(captionsGrey);
    },
  };
}
