/**
 * The global view's data: index.json -> manifest -> positions, modality, category (8 bytes per
 * point), and for big sets the motion subset's drawing order (gl/lod.js).
 *
 * It is read in a worker (load-worker.js) where the browser has workers: there the downloads are
 * drained, float16 decoded and the order computed while the main thread is busy creating the
 * WebGL context (which blocks it for a few hundred ms on software GL), and the arrays arrive by
 * transfer, not copied. Without workers (or if the worker cannot start) the same code runs here.
 */
import { loadIndex, loadManifest, SchemaError } from './manifest.js';
import { loadBuffer } from './buffers.js';
import { motionPrefix, MOTION_BUDGET } from '../gl/lod.js';

/** Read the global view. onManifest({dataUrl, datasets, entry, manifest, baseUrl}) is called as
 * soon as the manifest is in; resolves {positions, modality, category, order (Uint32Array|null)}. */
export async function readGlobalView(pageUrl, datasetName, onManifest) {
  const { dataUrl, datasets } = await loadIndex(pageUrl);
  const entry = datasets.find((d) => d.name === datasetName) || datasets[0];
  const { manifest, baseUrl } = await loadManifest(entry, dataUrl);
  onManifest({ dataUrl, datasets, entry, manifest, baseUrl });
  const [positions, modality, category] = await Promise.all(
    ['positions', 'modality', 'category'].map((name) => loadBuffer(manifest, baseUrl, name)));
  const order = modality.length > MOTION_BUDGET ? motionPrefix(modality.length, MOTION_BUDGET) : null;
  return { positions, modality, category, order };
}

/** The worker's script: beside the page's app.js, with the same version query. */
function workerUrl(doc) {
  const script = doc.currentScript && doc.currentScript.src ? new URL(doc.currentScript.src) : null;
  return new URL(`load-worker.js${script ? script.search : ''}`, script || doc.baseURI).href;
}
const WORKER_URL = typeof document !== 'undefined' ? workerUrl(document) : null; // read while app.js runs

/** readGlobalView in the worker, or here when there is none. */
export function loadGlobalView(pageUrl, datasetName, onManifest) {
  if (typeof Worker !== 'function' || !WORKER_URL) return readGlobalView(pageUrl, datasetName, onManifest);
  return new Promise((resolve, reject) => {
    let worker;
    try {
      worker = new Worker(WORKER_URL);
    } catch (err) {
      resolve(readGlobalView(pageUrl, datasetName, onManifest));
      return;
    }
    let heard = false;
    worker.onmessage = (e) => {
      const m = e.data;
      heard = true;
      if (m.type === 'manifest') onManifest(m.view);
      else {
        worker.terminate();
        if (m.type === 'data') resolve(m.data);
        else reject(m.schema ? new SchemaError(m.message) : new Error(m.message));
      }
    };
    worker.onerror = (e) => { // the script itself failed (not found, not parsed): read here
      e.preventDefault();
      worker.terminate();
      if (heard) reject(new Error(`the loading worker failed: ${e.message || 'unknown error'}`));
      else resolve(readGlobalView(pageUrl, datasetName, onManifest));
    };
    worker.postMessage({ pageUrl, datasetName });
  });
}
