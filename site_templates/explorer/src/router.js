/**
 * The view in the URL hash: #d=<dataset>&p=<point>&c=<colour mode>&q=<search>, and for a label
 * field f=<field name>, g=1 (captions grey), v=<isolated value name>.
 * Any view is a shareable link; selections push history entries so back/forward work.
 */

export const COLOR_MODES = ['modality', 'category', 'cluster'];

export function parseHash(hash) {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  const p = params.get('p');
  const point = p !== null && /^\d+$/.test(p) ? Number(p) : -1;
  const c = params.get('c');
  return {
    dataset: params.get('d') || '',
    point,
    colorBy: COLOR_MODES.includes(c) ? c : '',
    query: params.get('q') || '',
    field: params.get('f') || '',
    grey: params.get('g') === '1',
    value: params.get('v') || '',
  };
}

export function formatHash({ dataset, point, colorBy, query, field, grey, value }) {
  const params = new URLSearchParams();
  if (dataset) params.set('d', dataset);
  if (point >= 0) params.set('p', String(point));
  if (colorBy && colorBy !== 'modality') params.set('c', colorBy);
  if (query) params.set('q', query);
  if (field) params.set('f', field);
  if (grey) params.set('g', '1');
  if (value) params.set('v', value);
  return '#' + params.toString();
}
