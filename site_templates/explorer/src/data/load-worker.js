/**
 * The global view's downloads, off the main thread (bundled as explorer/load-worker.js; see
 * global-view.js). In: {pageUrl, datasetName}. Out: {type: "manifest", view}, then
 * {type: "data", data: {positions, modality, category, order}} (transferred) or
 * {type: "error", message, schema}.
 */
import { readGlobalView } from './global-view.js';
import { SchemaError } from './manifest.js';

self.onmessage = async (e) => {
  const { pageUrl, datasetName } = e.data;
  try {
    const data = await readGlobalView(pageUrl, datasetName, (view) => self.postMessage({ type: 'manifest', view }));
    const transfer = [data.positions, data.modality, data.category, data.order].filter(Boolean).map((a) => a.buffer);
    self.postMessage({ type: 'data', data }, transfer);
  } catch (err) {
    self.postMessage({ type: 'error', message: String(err && err.message ? err.message : err), schema: err instanceof SchemaError });
  }
};
