/**
 * Thumbnails from the atlas: image i is cell (i % (cols*rows)) of page i // (cols*rows),
 * row-major from the top-left. Pages load on first use; a thumbnail is a <canvas> that the
 * cell is drawn into once its page has loaded (no CSS url() built from dataset strings).
 */
import { el } from './dom.js';
import { resolveUrl } from '../data/manifest.js';

export function createThumbs(manifest, baseUrl) {
  const atlas = manifest.atlas || null;
  const pages = new Map();
  const perPage = atlas ? atlas.cols * atlas.rows : 0;

  function page(k) {
    if (!pages.has(k)) {
      const img = new Image();
      img.decoding = 'async';
      const p = new Promise((resolve, reject) => {
        img.onload = () => resolve(img);
        img.onerror = () => reject(new Error(`could not load atlas page ${k}`));
      });
      p.catch(() => {});
      img.src = resolveUrl(atlas.pages[k], baseUrl);
      pages.set(k, p);
    }
    return pages.get(k);
  }

  /** Draw image i's cell into `canvas` (async; a later request for the canvas wins). */
  function draw(canvas, i) {
    canvas.dataset.image = String(i);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#1c2230';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (!atlas || i < 0 || i >= atlas.count) return;
    const k = Math.floor(i / perPage), cell = i % perPage;
    const sx = (cell % atlas.cols) * atlas.cell, sy = Math.floor(cell / atlas.cols) * atlas.cell;
    page(k).then((img) => {
      if (canvas.dataset.image !== String(i)) return;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(img, sx, sy, atlas.cell, atlas.cell, 0, 0, canvas.width, canvas.height);
    }, () => {});
  }

  return {
    available: Boolean(atlas),
    draw,
    /** A new canvas of `px` CSS pixels showing image i. */
    canvas(i, px, className = 'thumb') {
      const dpr = Math.min(window.devicePixelRatio || 1, 2);
      const c = el('canvas', { class: className, width: Math.round(px * dpr), height: Math.round(px * dpr) });
      c.style.width = c.style.height = `${px}px`;
      draw(c, i);
      return c;
    },
  };
}
