/**
 * Thumbnails from the atlas: image i is cell (i % (cols*rows)) of page i // (cols*rows),
 * row-major from the top-left. A thumbnail is a <div> showing its cell of the page as a CSS
 * background: the browser decodes each page once and composites slices of it, which is far
 * cheaper than one canvas per thumbnail. The page URL comes from the URL parser (quotes,
 * backslashes and newlines are percent-encoded or removed), so it cannot break out of url("").
 */
import { el } from './dom.js';
import { resolveUrl } from '../data/manifest.js';

export function createThumbs(manifest, baseUrl) {
  const atlas = manifest.atlas || null;
  const perPage = atlas ? atlas.cols * atlas.rows : 0;
  const pageUrls = atlas ? atlas.pages.map((p) => `url("${resolveUrl(p, baseUrl)}")`) : [];

  /** Point `node` (a thumbnail div of `px` CSS pixels) at image i; i < 0 shows an empty tile. */
  function draw(node, i, px) {
    if (!atlas || !(i >= 0 && i < atlas.count)) {
      node.style.backgroundImage = 'none';
      return;
    }
    const k = Math.floor(i / perPage), cell = i % perPage;
    const col = cell % atlas.cols, row = Math.floor(cell / atlas.cols);
    Object.assign(node.style, {
      backgroundImage: pageUrls[k],
      backgroundSize: `${atlas.cols * px}px ${atlas.rows * px}px`,
      backgroundPosition: `${-col * px}px ${-row * px}px`,
    });
  }

  return {
    available: Boolean(atlas),
    draw,
    /** A new thumbnail of `px` CSS pixels showing image i. */
    make(i, px, className = 'thumb') {
      const node = el('div', { class: className, 'aria-hidden': 'true' });
      node.style.width = node.style.height = `${px}px`;
      draw(node, i, px);
      return node;
    },
  };
}
