/**
 * CLIP Atlas: sortable tables, self-contained (no library, no network).
 *
 * Every table in the page content with a header row becomes sortable: click a header (or focus
 * it and press Enter or Space) to sort by that column, again to reverse (order: tablesort-order.js).
 * The header gets role="columnheader" and aria-sort, which Material for MkDocs already styles with arrows.
 */
import { sortOrder } from './tablesort-order.js';

function sortBy(table, th, index) {
  const body = table.tBodies[0];
  if (!body) return;
  const ascending = th.getAttribute('aria-sort') !== 'ascending';
  const rows = Array.from(body.rows);
  const texts = rows.map((row) => (row.cells[index] ? (row.cells[index].textContent || '').trim() : ''));
  const fragment = document.createDocumentFragment();
  for (const i of sortOrder(texts, ascending)) fragment.appendChild(rows[i]);
  body.appendChild(fragment);
  for (const other of table.tHead.rows[0].cells) if (other !== th) other.setAttribute('aria-sort', 'none');
  th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
}

function makeSortable(table) {
  if (table.dataset.atlasSortable || !table.tHead || !table.tHead.rows.length) return;
  if (!table.tBodies[0] || table.tBodies[0].rows.length < 2) return;
  table.dataset.atlasSortable = '1';
  Array.from(table.tHead.rows[0].cells).forEach((th, index) => {
    th.setAttribute('role', 'columnheader');
    th.setAttribute('aria-sort', 'none');
    th.setAttribute('tabindex', '0');
    th.title = 'Sort by this column';
    th.addEventListener('click', () => sortBy(table, th, index));
    th.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        sortBy(table, th, index);
      }
    });
  });
}

function init() {
  document.querySelectorAll('article table:not([class])').forEach(makeSortable);
}

// Material's instant navigation (if enabled) announces new pages through document$.
if (window.document$ && typeof window.document$.subscribe === 'function') window.document$.subscribe(init);
else if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
