/**
 * The address bar: every change of the view is written into the hash (router.js), the camera
 * too (debounced, with replaceState: moving the map adds no history entry). Embedded in a docs
 * page (an iframe of the same site) the explorer also tells that page its hash, so the page's
 * own URL and its "Open full screen" link carry the view (pages/explorer-embed.js).
 */
import { DEFAULT_VIEW } from './gl/camera.js';
import { formatCamera, parseHash, withCamera } from './router.js';

export const EMBED_MESSAGE = 'atlas-view'; // {type, hash} posted to a same-origin parent page
const CAMERA_MS = 250; // write the camera this long after it came to rest

/** True inside a frame (also when the top window is of another origin). */
export function isFramed(win = window) {
  try {
    return win.self !== win.top;
  } catch {
    return true;
  }
}

/** Does this hash hold any part of a view? (A docs page's own anchor, e.g. #top, does not.) */
export const hasView = (hash) => {
  const v = parseHash(hash);
  return Boolean(v.dataset || v.point >= 0 || v.colorBy || v.query || v.field || v.grey || v.value || !v.pictures ||
    v.projection || v.selection || /(^|[#&])v=/.test(hash || ''));
};

/**
 * The hash to start from: the page's own, or — when it has none and the explorer is embedded
 * in a page of the same origin — that page's (a docs page opened with a view in its URL).
 */
export function initialHash(win = window) {
  if (hasView(win.location.hash) || !isFramed(win)) return win.location.hash;
  try {
    const parent = win.parent.location.hash; // throws across origins
    return hasView(parent) ? parent : win.location.hash;
  } catch {
    return win.location.hash;
  }
}

/**
 * `camera` (gl/camera.js) and `canvas` (for the on-screen offset as a fraction of its size).
 * Returns {push(hash), replace(hash), cameraMoved()}: `hash` is formatHash()'s, without camera.
 */
export function createUrl({ camera, canvas, win = window }) {
  const framed = isFramed(win);
  const home = formatCamera({ ...DEFAULT_VIEW, offset: [0, 0] });
  let timer = 0;

  /** The `v` value of the camera now; empty at the starting view (a clean link). */
  const cameraValue = () => {
    const v = formatCamera(camera.getView(), canvas.clientWidth, canvas.clientHeight);
    return v === home ? '' : v;
  };
  const tellParent = () => {
    if (!framed) return;
    try {
      win.parent.postMessage({ type: EMBED_MESSAGE, hash: win.location.hash }, win.location.origin);
    } catch { /* a detached or cross-origin parent: nothing to tell */ }
  };
  const write = (hash, push) => {
    const full = withCamera(hash, cameraValue());
    if (push) win.history.pushState(null, '', full);
    else if (full !== (win.location.hash || '#')) win.history.replaceState(null, '', full);
    else return;
    tellParent();
  };

  return {
    /** A new history entry; the entry being left keeps the camera as it is now. */
    push(hash) {
      clearTimeout(timer);
      write(win.location.hash, false);
      write(hash, true);
    },
    replace(hash) {
      write(hash, false);
    },
    /** Call after each frame: once the camera rests, its view replaces the one in the hash. */
    cameraMoved() {
      clearTimeout(timer);
      timer = setTimeout(function rest() {
        if (camera.flight) timer = setTimeout(rest, CAMERA_MS);
        else write(win.location.hash, false);
      }, CAMERA_MS);
    },
    /** Tell the embedding page the current hash (at start). */
    announce: tellParent,
  };
}

/**
 * Put the camera where `parsed` (router.parseCamera) says. `panelOffset` (CSS px), when a point
 * is selected, replaces the stored on-screen offset: the panel's place depends on this screen,
 * not on the one the link was made on.
 */
export function applyCamera(camera, parsed, canvas, panelOffset = null) {
  const f = parsed.offset || [0, 0];
  const offset = panelOffset || [f[0] * canvas.clientWidth, f[1] * canvas.clientHeight];
  camera.setView({ ...parsed, offset });
}
