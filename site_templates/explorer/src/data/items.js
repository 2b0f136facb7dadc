/**
 * items.json: per image its dataset id, file name (relative to the dataset root) and label
 * values ({"ids": [...], "files": [...], "labels": [{field: value}]}). Untrusted text: shown
 * as text only. Older sites have no "files"; every field may be missing for an image.
 */

const str = (v) => (v === undefined || v === null ? '' : String(v));

export function createItems(json) {
  const ids = Array.isArray(json && json.ids) ? json.ids.map(str) : [];
  const files = Array.isArray(json && json.files) ? json.files.map(str) : [];
  const labels = Array.isArray(json && json.labels) ? json.labels : [];
  let lowered = null;
  const store = {
    count: ids.length,
    id: (i) => ids[i] || '',
    file: (i) => files[i] || '',
    /** "colour: red · shape: circle" */
    labelText(i) {
      const l = labels[i];
      return l && typeof l === 'object' ? Object.entries(l).map(([k, v]) => `${k}: ${str(v)}`).join(' · ') : '';
    },
    /** Lower-cased texts per image for search: label values (not field names), ids, files. */
    lowered() {
      if (!lowered) {
        const low = (s) => s.normalize('NFC').toLowerCase();
        lowered = {
          ids: ids.map(low),
          files: files.length === ids.length ? files.map(low) : ids.map(() => ''),
          labels: ids.map((_, i) => low(labels[i] && typeof labels[i] === 'object'
            ? Object.values(labels[i]).map(str).join(' · ') : '')),
        };
      }
      return lowered;
    },
  };
  return store;
}
