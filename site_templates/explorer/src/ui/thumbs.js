/**
 * Thumbnails from the atlas: image i is cell (i % (cols*rows)) of page i // (cols*rows),
 * row-major from the top-left. A thumbnail is a <div> showing its cell of the page as a CSS
 * background: the browser decodes each page once and composites slices of it, which is far
 * cheaper than one canvas per thumbnail. The page URL comes from the URL parser (quotes,
 * backslashes and newlines are percent-encoded or removed), so it cannot break out of url("").
 */
import { el } from './dom.js';
import { resolveUrl } from '../data/manifest.js';

/**
 * Where image i sits: its page, its cell's column and row, and the page's size in cells. The
 * last page holds only the rows it uses (the builder cuts it), so its height in cells is less
 * than atlas.rows when it is not full; sizing it as a full page would stretch it.
 */
export function atlasCell(atlas, i) {
  const perPage = atlas.cols * atlas.rows;
  const page = Math.floor(i / perPage), cell = i % perPage;
  const onPage = Math.min(perPage, atlas.count - page * perPage);
  return {
    page, col: cell % atlas.cols, row: Math.floor(cell / atlas.cols),
    pageCols: atlas.cols, pageRows: Math.ceil(onPage / atlas.cols),
  };
}

export function createThumbs(manifest, baseUrl) {
  const atlas = manifest.atlas || null;
  const pageUrls = atlas ? atlas.pages.map((p) => `url("${resolveUrl(p, baseUrl)}")`) : [];

  /** Point `node` (a thumbnail div of `px` CSS pixels) at image i; i < 0 shows an empty tile. */
  function draw(node, i, px) {
    if (!atlas || !(i >= 0 && i < atlas.count)) {
      node.style.backgroundImage = 'none';
      return;
    }
    const c = atlasCell(atlas, i);
    Object.assign(node.style, {
      backgroundImage: pageUrls[c.page],
      backgroundSize: `${c.pageCols * px}px ${c.pageRows * px}px`,
      backgroundPosition: `${-c.col * px}px ${-c.row * px}px`,
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
