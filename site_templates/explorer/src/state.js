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
  colorBy: 'modality', // a colour mode's key (modes.js): modality | cluster | label_<f> | category
  captionsGrey: false, // images coloured by the mode, captions drawn grey
  isolated: -1, // the value the legend isolates (others dimmed), or -1
  hidden: [], // values the legend hides (a new array on each change)
  legendHover: -1, // the value of the legend row under the pointer or focus, or -1
  hover: -1, // point under the cursor
  selected: -1, // clicked point (local view open)
  local: null, // {point, neighbours, local_xy, local_dist, local_evr} of `selected`
  query: '',
  matches: null, // [{p, kind}] matching `query` (search.js), or null when no search
  textReady: false, // captions loaded
  pictures: true, // near image points drawn as their thumbnails (the URL's t=0 turns them off)
  askOpen: false, // the Ask panel is shown
  ask: null, // the asked query and its answer (ask/ask-actions.js), or null
  shading: false, // the map is shaded by similarity to the asked query
  projection: '', // the projection shown (projections.js key); '' until the data has loaded
  selection: null, // the reader's lasso / box selection: sorted Uint32Array of points, or null
  selectionCode: '', // `selection` as kept in the URL (selection/encode.js), '' when too large or none
  selectTool: '', // '' (drag orbits; shift-drag lassoes) | 'lasso' | 'box' (plain drag selects)
};
