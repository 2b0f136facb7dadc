/**
 * Dataset index and manifest: fetch, validate, resolve relative URLs.
 *
 * Every URL is resolved relative to the page, and must stay on the page's origin: the site
 * can live under any sub-path (GitHub Pages), and a manifest must never point elsewhere.
 */

import { fetchJSON } from './fetch.js';

export const SCHEMA_VERSION = 1;

/** A manifest this explorer cannot read; `message` is meant for the reader of the page. */
export class SchemaError extends Error {}

/** Resolve `rel` against `base` and refuse anything that leaves base's origin. */
export function resolveUrl(rel, base) {
  if (typeof rel !== 'string' || rel === '') throw new SchemaError(`invalid path ${JSON.stringify(rel)}`);
  const url = new URL(rel, base);
  if (url.origin !== new URL(base).origin) throw new SchemaError(`refusing to load ${rel}: it is not on this site`);
  return url.href;
}

/** Throw SchemaError unless the manifest has the version and keys this explorer reads. */
export function checkManifest(m) {
  if (!m || typeof m !== 'object') throw new SchemaError('manifest.json is not a JSON object');
  if (m.schema_version !== SCHEMA_VERSION) {
    throw new SchemaError(
      `This dataset was built with data schema version ${JSON.stringify(m.schema_version)}, ` +
        `but this explorer reads version ${SCHEMA_VERSION}. Rebuild the site with the same ` +
        'version of CLIP Atlas (python -m builder build).'
    );
  }
  for (const key of ['counts', 'buffers']) {
    if (!m[key] || typeof m[key] !== 'object') throw new SchemaError(`manifest.json has no "${key}"`);
  }
  for (const name of ['positions', 'modality', 'category']) {
    if (!m.buffers[name]) throw new SchemaError(`manifest.json declares no "${name}" buffer`);
  }
  const { N, I, C } = m.counts;
  if (!(N >= 0 && I >= 0 && C >= 0 && N === I + C)) throw new SchemaError('manifest counts are inconsistent (N != I + C)');
  return m;
}

/** fetchJSON, failing with SchemaError (shown to the reader as "This dataset cannot be shown"). */
async function fetchJson(url) {
  try {
    return await fetchJSON(url);
  } catch (e) {
    throw new SchemaError(e.message);
  }
}

/** Load ../data/index.json (relative to `pageUrl`) -> {dataUrl, datasets: [{name, title, manifest}]}. */
export async function loadIndex(pageUrl) {
  const dataUrl = new URL('../data/', pageUrl).href;
  const index = await fetchJson(new URL('index.json', dataUrl).href);
  const list = Array.isArray(index) ? index : index && index.datasets;
  if (!Array.isArray(list) || list.length === 0) throw new SchemaError('data/index.json lists no datasets');
  return { dataUrl, datasets: list };
}

/** Load and check one dataset's manifest -> {manifest, baseUrl} (baseUrl: the manifest's folder). */
export async function loadManifest(entry, dataUrl) {
  const url = resolveUrl(entry.manifest, dataUrl);
  const manifest = checkManifest(await fetchJson(url));
  return { manifest, baseUrl: new URL('./', url).href };
}
