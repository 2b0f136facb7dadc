/**
 * Pictures on the map: thumbnails as point sprites, sampled from the atlas pages (loaded as
 * textures on first need), drawn after the dots, in two passes of one draw call per atlas page:
 * first the fully shown pictures near to far, opaque, writing depth (so a picture hidden behind a
 * nearer one is rejected by the depth test before its texture is read: in a close-up most
 * pictures overlap, and software GL pays for every shaded pixel); then the ones still fading
 * in, far to near, blended over what is drawn.
 *
 * createPictures(regl, {atlas, pageUrl(p), palette(), viewProj(), pixelRatio(), background, onLoad})
 * -> {draw(list)}: list = [{i, rank (0 = nearest), position[3], px, alpha, dim, color}] (any order).
 */
import pictureVert from './shaders/picture.vert.glsl';
import pictureFrag from './shaders/picture.frag.glsl';
import { atlasCell } from '../ui/thumbs.js';

const FLOATS = 10; // position 3, cell 2, px, alpha, dim, color, (pad)

export function createPictures(regl, src) {
  const { atlas } = src;
  const pages = new Map(); // page -> {texture} once loaded, {loading: true} while in flight
  const capacity = 4096;
  const data = new Float32Array(capacity * FLOATS);
  const buffer = regl.buffer({ data, usage: 'dynamic' });
  const attr = (offset, size) => ({ buffer, stride: FLOATS * 4, offset: offset * 4, size });
  const command = (blend) => regl({
    vert: pictureVert,
    frag: pictureFrag,
    attributes: { a_position: attr(0, 3), a_cell: attr(3, 2), a_px: attr(5, 1), a_alpha: attr(6, 1),
      a_dim: attr(7, 1), a_color: attr(8, 1) },
    uniforms: {
      u_viewProj: () => src.viewProj(),
      u_pixelRatio: () => src.pixelRatio(),
      u_page: regl.prop('texture'),
      u_pageCells: regl.prop('cells'),
      u_cellPx: atlas.cell || 64,
      u_palette: () => src.palette(),
      u_background: src.background,
    },
    depth: { enable: true, mask: true, func: 'lequal' },
    blend: blend ? { enable: true, func: { src: 'one', dst: 'one minus src alpha' } } : { enable: false },
    primitive: 'points',
    offset: regl.prop('offset'),
    count: regl.prop('count'),
  });
  const drawOpaque = command(false), drawFading = command(true);

  function page(p) {
    const have = pages.get(p);
    if (have) return have.texture || null;
    pages.set(p, { loading: true });
    const img = new Image();
    img.decoding = 'async';
    img.onload = () => {
      // the page's size in cells from its pixels: a cut (partly filled) last page is shorter
      const cell = atlas.cell || 64;
      pages.set(p, { cells: [Math.max(1, Math.round(img.naturalWidth / cell)), Math.max(1, Math.round(img.naturalHeight / cell))],
        texture: regl.texture({ data: img, min: 'linear', mag: 'linear', wrapS: 'clamp', wrapT: 'clamp' }) });
      src.onLoad();
    };
    img.onerror = () => pages.set(p, { failed: true });
    img.src = src.pageUrl(p);
    return null;
  }

  return {
    /** Pages whose texture is ready (tests, benchmarks). */
    loadedPages: () => [...pages.values()].filter((v) => v.texture).length,
    draw(list) {
      const opaque = new Map(), fading = new Map(); // page -> [[s, cell]]
      for (const s of list) {
        const c = atlasCell(atlas, s.i);
        if (!page(c.page)) continue; // not loaded yet: it stays a dot until then
        const pass = s.alpha >= 1 ? opaque : fading;
        if (!pass.has(c.page)) pass.set(c.page, []);
        pass.get(c.page).push([s, c]);
      }
      let n = 0;
      const batches = (pass, nearFirst) => {
        const out = [];
        for (const [p, items] of pass) {
          items.sort((a, b) => (nearFirst ? a[0].rank - b[0].rank : b[0].rank - a[0].rank)); // rank 0 is the nearest
          const start = n;
          for (const [s, c] of items) {
            if (n >= capacity) break;
            data.set([s.position[0], s.position[1], s.position[2], c.col, c.row, s.px, s.alpha, s.dim, s.color, 0], n * FLOATS);
            n++;
          }
          const { texture, cells } = pages.get(p);
          if (n > start) out.push({ texture, cells, offset: start, count: n - start });
        }
        return out;
      };
      const first = batches(opaque, true), second = batches(fading, false);
      if (!n) return 0;
      buffer.subdata(data.subarray(0, n * FLOATS));
      if (first.length) drawOpaque(first);
      if (second.length) drawFading(second);
      return n;
    },
  };
}
