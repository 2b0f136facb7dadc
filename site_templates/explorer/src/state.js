/**
 * The one store. UI modules and the renderer read `store.get()` and subscribe to changes;
 * only `store.set()` changes state. Listeners receive the new state and the set of changed keys.
 */

export function createStore(initial) {
  let state = { ...initial };
  const listeners = new Set();
  return {
    get: () => state,
    set(patch) {
      const changed = new Set();
      for (const k of Object.keys(patch)) if (state[k] !== patch[k]) changed.add(k);
      if (changed.size === 0) return;
      state = { ...state, ...patch };
      for (const fn of listeners) fn(state, changed);
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

export const initialState = {
  status: 'loading', // loading | ready | error
  error: '',
  dataset: '',
  colorBy: 'modality', // modality | category | cluster
  hover: -1, // point under the cursor
  selected: -1, // clicked point (local view open)
  local: null, // {point, neighbours, local_xy, local_dist, local_evr} of `selected`
  query: '',
  matches: null, // [{p, kind}] matching `query` (search.js), or null when no search
  textReady: false, // captions loaded
};
