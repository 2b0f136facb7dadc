/**
 * Hints: the first-visit card naming the controls (until the reader dismisses it or starts
 * moving the map; remembered in localStorage), and a short notice (e.g. "click the map to zoom"
 * when the explorer is embedded in a page and the wheel scrolls that page instead).
 */
import { el, clear } from './dom.js';

export const HINT_KEY = 'clip-atlas.hint-dismissed';
const NOTICE_MS = 1800;

/** localStorage, or null where the browser refuses it (privacy settings, sandboxed frames). */
function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The first-visit hint in `root`; `touch`: word it for fingers. Returns {dismiss(), shown}. */
export function createFirstVisitHint(root, { touch = false } = {}) {
  const store = storage();
  let seen = false;
  try {
    seen = Boolean(store && store.getItem(HINT_KEY));
  } catch { /* unreadable: show it */ }
  const hint = {
    shown: !seen,
    dismiss() {
      if (!hint.shown) return;
      hint.shown = false;
      root.hidden = true;
      try {
        if (store) store.setItem(HINT_KEY, '1');
      } catch { /* full or refused: it shows again next time, nothing worse */ }
    },
  };
  if (seen) {
    root.hidden = true;
    return hint;
  }
  const moves = touch
    ? ['One finger', 'rotates', 'pinch', 'zooms', 'tap a point', 'for its neighbours']
    : ['Drag', 'rotates', 'wheel', 'zooms', 'click a point', 'for its neighbours'];
  const line = [];
  for (let i = 0; i < moves.length; i += 2) {
    if (i) line.push(' · ');
    line.push(el('b', { text: moves[i] }), ` ${moves[i + 1]}`);
  }
  clear(root).append(
    el('p', {}, [...line, '. ', el('kbd', { text: 'R' }), ' resets the view, ', el('kbd', { text: '?' }),
      ' lists every control.']),
    el('button', { type: 'button', class: 'hint-ok', text: 'Got it', onclick: () => hint.dismiss() }),
  );
  root.hidden = false;
  return hint;
}

/** A notice in `root` that shows `text` for a moment. */
export function createNotice(root) {
  let timer = 0;
  return {
    show(text) {
      root.textContent = text;
      root.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(() => { root.hidden = true; }, NOTICE_MS);
    },
  };
}
