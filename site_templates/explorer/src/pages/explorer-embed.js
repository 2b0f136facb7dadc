/**
 * The docs page that embeds the explorer (content/explorer.md): its own URL and its "Open full
 * screen" link follow the view in the frame, so either can be copied or opened and shows the
 * same points, colours, search and camera. The explorer (src/url.js) posts its hash to this
 * page after each change; a hash this page was opened with is read by the explorer at start.
 *
 * Loaded on every docs page (extra_javascript); does nothing where there is no explorer frame.
 */

const MESSAGE = 'atlas-view'; // src/url.js EMBED_MESSAGE
const SAFE_HASH = /^#[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/; // a URL fragment, nothing else

/** The link's address with `hash` in place of its own ("explorer/index.html#p=5"). */
export function withHash(href, hash) {
  return href.replace(/#.*$/, '') + (hash && hash !== '#' ? hash : '');
}

function attach() {
  const frame = document.querySelector('iframe.atlas-explorer-frame');
  if (!frame) return;
  const links = [...document.querySelectorAll('a.atlas-explorer-open')];
  const follow = (hash) => {
    for (const a of links) a.setAttribute('href', withHash(a.getAttribute('href'), hash));
  };
  if (location.hash.length > 1 && SAFE_HASH.test(location.hash)) follow(location.hash);
  window.addEventListener('message', (e) => {
    const d = e.data;
    if (e.origin !== location.origin || e.source !== frame.contentWindow) return;
    if (!d || d.type !== MESSAGE || typeof d.hash !== 'string' || !(d.hash === '' || SAFE_HASH.test(d.hash))) return;
    follow(d.hash);
    const url = location.pathname + location.search + (d.hash.length > 1 ? d.hash : '');
    if (url !== location.pathname + location.search + location.hash) history.replaceState(history.state, '', url);
  });
}

if (typeof document !== 'undefined') attach();
