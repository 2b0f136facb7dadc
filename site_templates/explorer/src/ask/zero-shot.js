/**
 * Zero-shot in the browser: any vector (a point's row of the query index, a typed query, an
 * uploaded image) against each label field's prompts, the prompts the builder's metrics used
 * (manifest legends.fields[].prompts, combined by legends.prompt_rule as in
 * builder.compute.metrics.zero_shot_scores: "max" = best prompt, "mean" = the re-normalised
 * mean of the prompts' embeddings). A manifest without prompts gets "a photo of a {value}.".
 */
import { softmax } from './score.js';

/** [{field, names, prompts: [[prompt, ...] per value]}] from the manifest. */
export function promptSets(manifest) {
  const fields = (manifest.legends && manifest.legends.fields) || [];
  return fields.filter((f) => f && Array.isArray(f.names) && f.names.length > 1).map((f) => ({
    field: String(f.field),
    names: f.names.map(String),
    prompts: f.names.map((n, v) => {
      const own = Array.isArray(f.prompts) && Array.isArray(f.prompts[v]) ? f.prompts[v].map(String) : [];
      return own.length ? own : [`a photo of a ${n}.`];
    }),
  }));
}

/** Every prompt once, in order: what to embed. */
export function allPrompts(sets) {
  return [...new Set(sets.flatMap((s) => s.prompts.flat()))];
}

const dot = (a, b) => a.reduce((s, v, j) => s + v * b[j], 0);

function unitMean(vectors) {
  const m = new Float32Array(vectors[0].length);
  for (const v of vectors) for (let j = 0; j < m.length; j++) m[j] += v[j];
  const n = Math.hypot(...m) || 1;
  return m.map((x) => x / n);
}

/**
 * Scores of `vector` per field: [{field, rows: [{name, cosine, p}] best first}]. `embedded`:
 * Map prompt -> Float32Array (unit). p: softmax over the field's values at logitScale.
 */
export function zeroShot(vector, sets, embedded, logitScale, rule = 'mean') {
  return sets.map((s) => {
    const cos = s.prompts.map((ps) => {
      const vs = ps.map((p) => embedded.get(p)).filter(Boolean);
      if (!vs.length) return NaN;
      return rule === 'max' ? Math.max(...vs.map((v) => dot(vector, v))) : dot(vector, unitMean(vs));
    });
    const p = softmax(cos, logitScale);
    const rows = s.names.map((name, i) => ({ name, cosine: cos[i], p: p[i] }));
    rows.sort((a, b) => b.p - a.p);
    return { field: s.field, rows };
  });
}
