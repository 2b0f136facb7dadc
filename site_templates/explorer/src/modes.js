/**
 * The ways to colour the map, read from a manifest: modality, cluster and every label field
 * (manifest.legends.fields; a manifest without them offers its one "category"). A mode's `key`
 * names its buffer, its `label` is what the reader sees (a field's name: dataset text).
 */

/** [{key, label, names, field?}] in the order the colour-by control lists them. */
export function colorModes(manifest) {
  const legends = manifest.legends || {};
  const buffers = manifest.buffers || {};
  const modes = [{ key: 'modality', label: 'modality', names: legends.modality || ['image', 'caption'] }];
  if (buffers.cluster) modes.push({ key: 'cluster', label: 'cluster', names: (legends.cluster && legends.cluster.names) || [] });
  const fields = Array.isArray(legends.fields)
    ? legends.fields.filter((f) => f && typeof f.buffer === 'string' && buffers[f.buffer] && f.buffer !== 'category') : [];
  for (const f of fields) {
    const field = String(f.field);
    modes.push({ key: f.buffer, label: field, field, names: Array.isArray(f.names) ? f.names : [] });
  }
  if (!fields.length && legends.category && buffers.category) {
    const field = String(legends.category.field || 'category');
    modes.push({ key: 'category', label: field, field, names: legends.category.names || [] });
  }
  return modes;
}

/**
 * The mode a view asks for: {field, colorBy} from the URL (router.parseHash). A field by its
 * name wins; colorBy "category" means the dataset's default field. Unknown: modality.
 */
export function modeFor(modes, { field = '', colorBy = '' } = {}, defaultField = '') {
  const byField = (name) => modes.find((m) => m.field !== undefined && m.field === name);
  const found = (field && byField(field))
    || (colorBy === 'category' && (byField(defaultField) || modes.find((m) => m.key === 'category')))
    || modes.find((m) => m.key === colorBy && m.field === undefined);
  return found || modes[0];
}

/** {colorBy, field} for the URL of mode `m`: a field by its name, the others by their key. */
export function viewOfMode(m) {
  return m && m.field !== undefined && m.key !== 'category' ? { colorBy: '', field: m.field } : { colorBy: m ? m.key : '', field: '' };
}
