/**
 * The 3D projections of manifest.projections (UMAP, PCA, t-SNE, ...): which there are, loading
 * one's positions when first chosen, and the animated transition between two (positions
 * interpolated on the CPU and uploaded each frame for TRANSITION_MS; the shaders are unchanged).
 * A dataset without the key has one projection, its `positions`.
 */
import { loadBuffer } from './data/buffers.js';

export const TRANSITION_MS = 600;

/** [{key, label, buffer, trustworthiness}] of the manifest, the default first. */
export function projectionList(manifest) {
  const p = manifest.projections;
  const methods = p && Array.isArray(p.methods) ? p.methods.filter((m) => m && m.key && m.buffer && manifest.buffers[m.buffer]) : [];
  if (!methods.length) return [{ key: 'umap', label: 'UMAP', buffer: 'positions', trustworthiness: null }];
  const first = methods.find((m) => m.buffer === 'positions') || methods[0];
  return [first, ...methods.filter((m) => m !== first)];
}

export const easeInOut = (t) => (t < 0.5 ? 4 * t * t * t : 1 - ((-2 * t + 2) ** 3) / 2);

/** out = from + (to - from) * t, element-wise. */
export function lerpInto(out, from, to, t) {
  for (let i = 0; i < out.length; i++) out[i] = from[i] + (to[i] - from[i]) * t;
  return out;
}

/**
 * `scene` (gl/scene.js: setPositions), `renderer` (request frames), `initial`: the default
 * projection's Float32Array(3N). Returns {list, current, defaultKey, has(key), set(key, opts)}.
 */
export function createProjections({ manifest, baseUrl, scene, renderer, initial, onMoved = () => {} }) {
  const list = projectionList(manifest);
  const loaded = new Map([[list[0].key, initial]]);
  let current = list[0].key; // the projection shown, or being moved to
  let wanted = current; // the last one asked for
  let shown = initial; // what the scene draws now (a transition frame while animating)
  let animation = 0;
  let token = 0;
  let busy = false; // from a set() call until its transition has ended

  async function positionsOf(key) {
    if (!loaded.has(key)) {
      const m = list.find((x) => x.key === key);
      loaded.set(key, await loadBuffer(manifest, baseUrl, m.buffer));
    }
    return loaded.get(key);
  }

  const api = {
    list,
    defaultKey: list[0].key,
    get current() { return current; },
    /** True from a switch's start (its positions loading) until its transition has ended. */
    get animating() { return busy; },
    has: (key) => list.some((m) => m.key === key),
    /** Switch to projection `key`; resolves when its transition has ended. */
    async set(key, opts = {}) {
      if (!api.has(key) || key === wanted) return;
      wanted = key;
      const mine = ++token;
      busy = true;
      try {
        await switchTo(key, mine, opts);
      } finally {
        if (mine === token) busy = false;
      }
    },
  };

  async function switchTo(key, mine, { animate = true, ms = TRANSITION_MS }) {
    const target = await positionsOf(key);
    if (mine !== token) return;
    current = key;
    cancelAnimationFrame(animation);
    animation = 0;
    if (!animate || ms <= 0) {
      shown = target;
      scene.setPositions(target);
      onMoved();
      return;
    }
    const from = Float32Array.from(shown);
    const frame = new Float32Array(from.length);
    const start = performance.now();
    await new Promise((resolve) => {
      const step = (now) => {
        if (mine !== token) return resolve();
        const t = Math.min(1, Math.max(0, (now - start) / ms));
        shown = t < 1 ? lerpInto(frame, from, target, easeInOut(t)) : target;
        scene.setPositions(shown === target ? target : frame);
        onMoved();
        if (t < 1) animation = requestAnimationFrame(step);
        else {
          animation = 0;
          resolve();
        }
      };
      animation = requestAnimationFrame(step);
    });
  }
  return api;
}
