/**
 * A selection as rows, CSV and JSON: point index, kind, dataset id, file name, caption, each
 * label field, and the position in the projection shown. Dataset text is untrusted: in CSV a
 * cell that a spreadsheet would read as a formula (= + - @, tab, carriage return first) gets a
 * leading apostrophe, and any cell with a comma, quote or line break is quoted (RFC 4180).
 */

const FORMULA = /^[=+\-@\t\r]/;

/** One CSV cell. Numbers are written as they are (a negative coordinate is no formula). */
export function csvCell(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = String(value);
  if (FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** rows (objects) -> CSV text with a header of `columns`, CRLF line ends. */
export function toCsv(rows, columns) {
  const lines = [columns.map(csvCell).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

const round = (x) => Math.round(x * 1e5) / 1e5;

/**
 * The rows of `selection` (sorted point indices). `data`: {I, items (data/items.js) or null,
 * captions (data/captions.js) or null, fields: [{field, names, values}] (values: Uint8Array(N),
 * 255 = none), position(p) -> [x, y, z], projection: key}.
 * Returns {columns, rows}: a caption's row carries its image's id and file name.
 */
export function selectionRows(selection, data) {
  const { I, items, captions, fields = [], position, projection = '' } = data;
  const fieldCols = fields.map((f) => `label:${f.field}`);
  const columns = ['point', 'kind', 'id', 'file', 'caption', ...fieldCols, 'projection', 'x', 'y', 'z'];
  const rows = [];
  for (const p of selection) {
    const image = p < I ? p : captions ? captions.imageOf(p - I) : -1;
    const row = {
      point: p, kind: p < I ? 'image' : 'caption',
      id: items && image >= 0 ? items.id(image) : '',
      file: items && image >= 0 ? items.file(image) : '',
      caption: p >= I && captions ? captions.text(p - I) : '',
      projection,
    };
    fields.forEach((f, j) => {
      const v = f.values ? f.values[p] : 255;
      row[fieldCols[j]] = v === 255 || v === undefined ? '' : String(f.names[v] ?? v);
    });
    const [x, y, z] = position(p);
    Object.assign(row, { x: round(x), y: round(y), z: round(z) });
    rows.push(row);
  }
  return { columns, rows };
}

/** The JSON export: what was selected, in which dataset and projection, and the rows. */
export function toJson({ columns, rows }, meta) {
  return JSON.stringify({ ...meta, count: rows.length, columns, rows }, null, 1) + '\n';
}
