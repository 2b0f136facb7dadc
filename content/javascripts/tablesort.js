/*
 * CLIP Atlas: sortable tables, self-contained (no library, no network).
 *
 * Every table in the page content with a header row becomes sortable: click a header (or focus
 * it and press Enter or Space) to sort by that column, again to reverse. Numbers (including
 * "12.5 %", "1,234" and "n/a") sort numerically, everything else alphabetically. The header
 * gets role="columnheader" and aria-sort, which Material for MkDocs already styles with arrows.
 */
(function () {
  "use strict";

  var NUMBER = /^[-+−]?\d[\d,]*(\.\d+)?(e[-+]?\d+)?\s*%?$/i;

  function cellValue(row, index) {
    var cell = row.cells[index];
    var text = cell ? (cell.textContent || "").trim() : "";
    var compact = text.replace(/\u2009|\u00a0/g, " ");
    if (NUMBER.test(compact)) {
      return { num: parseFloat(compact.replace(/,/g, "").replace("−", "-")), text: text };
    }
    return { num: null, text: text };
  }

  function compare(a, b) {
    // Numbers before text; empty / "n/a" / "–" cells last.
    if (a.num !== null && b.num !== null) return a.num - b.num;
    if (a.num !== null) return -1;
    if (b.num !== null) return 1;
    var ea = a.text === "" || a.text === "n/a" || a.text === "–";
    var eb = b.text === "" || b.text === "n/a" || b.text === "–";
    if (ea !== eb) return ea ? 1 : -1;
    return a.text.localeCompare(b.text, undefined, { numeric: true, sensitivity: "base" });
  }

  function sortBy(table, th, index) {
    var body = table.tBodies[0];
    if (!body) return;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows).map(function (row, position) {
      return { row: row, value: cellValue(row, index), position: position };
    });
    rows.sort(function (a, b) {
      var c = compare(a.value, b.value);
      if (!ascending) c = -c;
      return c !== 0 ? c : a.position - b.position; // stable
    });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (r) { fragment.appendChild(r.row); });
    body.appendChild(fragment);
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
      if (other !== th) other.setAttribute("aria-sort", "none");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function makeSortable(table) {
    if (table.dataset.atlasSortable || !table.tHead || !table.tHead.rows.length) return;
    if (!table.tBodies[0] || table.tBodies[0].rows.length < 2) return;
    table.dataset.atlasSortable = "1";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.setAttribute("role", "columnheader");
      th.setAttribute("aria-sort", "none");
      th.setAttribute("tabindex", "0");
      th.title = "Sort by this column";
      th.addEventListener("click", function () { sortBy(table, th, index); });
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sortBy(table, th, index);
        }
      });
    });
  }

  function init() {
    var tables = document.querySelectorAll("article table:not([class])");
    Array.prototype.forEach.call(tables, makeSortable);
  }

  // Material's instant navigation (if enabled) announces new pages through document$.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
