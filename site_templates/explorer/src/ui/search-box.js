/**
 * Search box: typing (debounced) sets the query; results list the matches (images by label, id
 * or file name, then captions), each tagged with its kind and the matched words marked.
 * Arrow keys move through results, Enter or click selects one. The list opens only while the box
 * has the focus: a search restored from the URL marks its matches but leaves the map uncovered.
 * In Ask mode the word search still runs as one types; Enter asks the model instead (unless the
 * arrow keys chose a result, which Enter then opens).
 */
import { el, clear, markedText } from './dom.js';
import { highlightRanges, countText } from '../search.js';

const SHOW = 100;
const DEBOUNCE_MS = 150;
const TAG = { caption: 'caption', label: 'label', id: 'id', file: 'file' };

export function createSearchBox({ input, list, count }, { onQuery, onPick, textOf, asking = () => false, onAsk = () => {} }) {
  let timer = 0;
  let active = -1;
  let items = [];
  let filled = false; // the list holds results (or "no matches") for the current query
  const open = () => document.activeElement === input;

  input.addEventListener('focus', () => { list.hidden = !filled; });
  input.addEventListener('blur', () => { list.hidden = true; });

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => onQuery(input.value.trim()), DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!items.length) return;
      active = (active + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
      items.forEach((li, i) => li.classList.toggle('active', i === active));
      items[active].scrollIntoView({ block: 'nearest' });
    } else if (e.key === 'Enter' && asking() && active < 0) {
      e.preventDefault();
      clearTimeout(timer);
      onAsk(input.value.trim());
    } else if (e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(timer);
      const target = items[Math.max(active, 0)];
      if (target) onPick(Number(target.dataset.point));
      else onQuery(input.value.trim());
    } else if (e.key === 'Escape') {
      input.value = '';
      onQuery('');
    }
  });

  return {
    /** Show `matches` ([{p, kind}]) for `query`; null hides the list. */
    render(query, matches) {
      if (input.value.trim() !== query && document.activeElement !== input) input.value = query;
      clear(list);
      items = [];
      active = -1;
      filled = false;
      if (!query || !matches) {
        list.hidden = true;
        count.textContent = '';
        return;
      }
      count.textContent = countText(matches);
      for (const m of matches.slice(0, SHOW)) {
        const text = textOf(m);
        const li = el('li', { class: `hit hit-${m.kind}`, dataset: { point: String(m.p), kind: m.kind },
          onmousedown: (e) => { e.preventDefault(); onPick(m.p); } },
        [el('span', { class: 'hit-kind', text: TAG[m.kind] }), markedText(text, highlightRanges(text, query))]);
        items.push(li);
        list.append(li);
      }
      if (matches.length > SHOW) list.append(el('li', { class: 'muted', text: `… ${matches.length - SHOW} more (refine the search)` }));
      if (matches.length === 0) list.append(el('li', { class: 'muted', text: 'no matches' }));
      filled = true;
      list.hidden = !open();
    },
    hide() { list.hidden = true; },
  };
}
