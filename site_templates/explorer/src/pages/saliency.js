/**
 * CLIP Atlas saliency page: precomputed maps of text prompts on images.
 *
 * Reads index.json, maps.bin and tokens.bin (uint8[M, h, w], scaled per map; raw min/max in the
 * JSON) from the folder named by the container's data-index attribute, relative to this page.
 * Draws each map over its image on a canvas: bilinear upsampling of the grid (as the build's
 * evaluation does), then the viridis colour map. No request leaves the site's origin; all
 * dataset text is set as text (ui/dom.js).
 */
import './saliency.css';
import { el, clear } from '../ui/dom.js';
import { fetchJSON, fetchBytes } from '../data/fetch.js';
import {
  colourTable, isImageSrc, upsample, mapValues, sharedRange, similarityRange, checkBuffers, heatmapPixels, cosine,
} from './saliency-maps.js';
import { legendBar, controls, promptRows, scaleNote, typographicCard } from './saliency-parts.js';

const LUT = colourTable();

class Saliency {
  constructor(root, data, maps, tokens, base) {
    this.root = root;
    this.data = data;
    this.buf = { gradient: maps, tokens };
    this.base = base;
    this.h = data.grid[0];
    this.w = data.grid[1];
    this.state = { image: 0, prompt: 0, opacity: 0.6, method: 'gradient', shared: false, box: false };
    this.imgs = [];
    this.simRange = similarityRange(data.images);
  }

  image(n) {
    if (!this.imgs[n]) {
      const src = this.data.images[n].src;
      const img = new Image();
      img.alt = '';
      if (isImageSrc(src)) img.src = new URL(src, this.base).href;
      this.imgs[n] = img;
    }
    return this.imgs[n];
  }

  /** Values 0..1 of map row m (of image n) for the current method and scale. */
  values(m, n) {
    const gradient = this.state.method === 'gradient', info = gradient ? this.data.maps : this.data.tokens;
    const size = this.h * this.w, raw = this.buf[this.state.method].subarray(m * size, (m + 1) * size);
    const shared = this.state.shared ? sharedRange(this.data.images[n].prompts, info, gradient) : null;
    return mapValues(raw, info.min[m], info.max[m], shared);
  }

  /** Draw image n with the map of prompt k over it on `canvas`. */
  draw(canvas, n, k, withBox) {
    const img = this.image(n), im = this.data.images[n], p = im.prompts[k];
    const paint = () => {
      const W = canvas.width, H = canvas.height, ctx = canvas.getContext('2d');
      ctx.clearRect(0, 0, W, H);
      ctx.imageSmoothingEnabled = true;
      if (img.complete && img.naturalWidth) ctx.drawImage(img, 0, 0, W, H);
      const up = upsample(this.values(p.map, n), this.h, this.w, W, H);
      const off = el('canvas', { width: W, height: H });
      const octx = off.getContext('2d'), id = octx.createImageData(W, H);
      heatmapPixels(up, LUT, this.state.opacity, id.data);
      octx.putImageData(id, 0, 0);
      ctx.drawImage(off, 0, 0);
      if (withBox && im.box) {
        ctx.save();
        ctx.strokeStyle = '#fff'; ctx.lineWidth = 2; ctx.setLineDash([5, 4]);
        ctx.strokeRect(im.box[0] * W, im.box[1] * H, (im.box[2] - im.box[0]) * W, (im.box[3] - im.box[1]) * H);
        ctx.restore();
      }
      canvas.setAttribute('data-drawn', '1');
    };
    paint();
    if (!(img.complete && img.naturalWidth)) img.addEventListener('load', paint, { once: true });
  }

  render() {
    const thumbs = this.thumbs();
    this.viewCanvas = el('canvas', { class: 'sal-canvas', width: 320, height: 320, role: 'img' });
    this.caption = el('p', { class: 'sal-caption' });
    this.promptList = el('div', { class: 'sal-prompts', role: 'list' });
    this.prefixBox = el('div', { class: 'sal-prefixes' });
    const tower = this.data.model.tower === 'vit' ? 'attention relevancy' : 'Grad-CAM';
    const left = el('div', { class: 'sal-view' }, [
      this.viewCanvas, legendBar(LUT), controls(this.state, tower, () => this.redraw()), this.caption]);
    clear(this.root).append(thumbs, el('div', { class: 'sal-main' }, [left, this.promptList]), this.prefixBox);
    this.select(0);
  }

  thumbs() {
    const grid = el('div', { class: 'sal-thumbs', 'aria-label': 'Images' });
    this.thumbButtons = this.data.images.map((im, n) => {
      const b = el('button', {
        class: 'sal-thumb', type: 'button', title: im.caption, 'aria-label': `image ${n + 1}: ${im.caption}`,
        onclick: () => this.select(n),
      }, [this.image(n).cloneNode(), im.word ? el('span', { class: 'sal-badge', text: 'Aa' }) : null]);
      grid.append(b);
      return b;
    });
    return grid;
  }

  select(n) {
    this.state.image = n;
    this.state.prompt = this.data.images[n].object_prompt || 0;
    this.thumbButtons.forEach((b, i) => b.setAttribute('aria-pressed', i === n ? 'true' : 'false'));
    const im = this.data.images[n];
    clear(this.caption).append(el('strong', { text: 'Caption: ' }), im.caption);
    if (im.word) this.caption.append(el('br'), el('strong', { text: 'Written word: ' }), im.word);
    this.redraw();
  }

  redraw() {
    const n = this.state.image, im = this.data.images[n];
    this.draw(this.viewCanvas, n, this.state.prompt, this.state.box);
    this.viewCanvas.setAttribute('aria-label', `saliency of \u201c${im.prompts[this.state.prompt].text}\u201d`);
    const choose = (k) => { this.state.prompt = k; this.redraw(); };
    clear(this.promptList).append(scaleNote(this.data.logit_scale, this.data.temperature, im.prompts.length),
      ...promptRows(im.prompts, this.state.prompt, this.data.roles, this.simRange, choose));
    this.renderPrefixes();
  }

  /** A small map of prompt k on image n, with the prompt and its cosine below. */
  figure(n, k, caption, extra = '') {
    const c = el('canvas', { class: 'sal-small', width: 160, height: 160 });
    const fig = el('figure', { class: 'sal-fig' }, [c, el('figcaption', {}, [
      el('span', { class: 'sal-prompt', text: caption }),
      el('span', { class: 'sal-role', text: `cosine ${cosine(this.data.images[n].prompts[k].sim)}${extra}` }),
    ])]);
    this.draw(c, n, k, false);
    return fig;
  }

  renderPrefixes() {
    const n = this.state.image, im = this.data.images[n];
    clear(this.prefixBox);
    if (!im.prefixes || im.prefixes.length < 2) return;
    this.prefixBox.append(el('h3', { text: 'The same description under different prefixes' }),
      el('div', { class: 'sal-figs' }, im.prefixes.map((pre) => this.figure(n, pre.prompt, im.prompts[pre.prompt].text))));
  }

  renderTypographic(container) {
    const items = [];
    this.data.images.forEach((im, n) => { if (im.typographic) items.push(n); });
    clear(container);
    if (!items.length) {
      container.append(el('p', { text: 'No curated image carries a written word that differs from its object.' }));
      return;
    }
    for (const n of items) {
      container.append(typographicCard(this.data.images[n], (k, extra) => this.figure(n, k, this.data.images[n].prompts[k].text, extra),
        () => { this.select(n); this.root.scrollIntoView({ behavior: 'smooth' }); }));
    }
  }
}

async function start() {
  const root = document.getElementById('saliency-app');
  if (!root) return;
  let base;
  try { base = new URL(root.getAttribute('data-index') || '', document.baseURI); } catch (e) { return; }
  if (base.origin !== window.location.origin) { root.textContent = 'The saliency data must come from this site.'; return; }
  root.textContent = 'Loading saliency maps\u2026';
  try {
    const data = await fetchJSON(base.href);
    const [maps, tokens] = (await Promise.all([fetchBytes(new URL(data.maps.file, base).href),
      fetchBytes(new URL(data.tokens.file, base).href)])).map((b) => new Uint8Array(b));
    checkBuffers(data, maps, tokens);
    if (!data.images.length) { root.textContent = 'No image was analysed.'; return; }
    const app = new Saliency(root, data, maps, tokens, base);
    app.render();
    const typo = document.getElementById('saliency-typographic');
    if (typo) app.renderTypographic(typo);
    window.atlasSaliency = app;
  } catch (err) {
    root.textContent = `Could not load the saliency maps (${err.message}). Serve the site over HTTP; browsers refuse fetch() from file:// pages.`;
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
