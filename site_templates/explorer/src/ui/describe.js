/**
 * What a point is, in words: shared by the preview card, the local view and search results.
 * `ctx` = {I, captions (or null until loaded), categoryNames, category}.
 */
import { valueName } from './legend-model.js';

export function pointKind(ctx, p) {
  return p < ctx.I ? 'image' : 'caption';
}

/** The image a point shows (itself, or the image its caption describes); -1 if unknown yet. */
export function pointImage(ctx, p) {
  if (p < ctx.I) return p;
  return ctx.captions ? ctx.captions.imageOf(p - ctx.I) : -1;
}

/** A short label such as "image 12" or "caption 40 · image 12". */
export function pointLabel(ctx, p) {
  if (p < ctx.I) return `image ${p}`;
  const img = pointImage(ctx, p);
  return img >= 0 ? `caption ${p - ctx.I} · image ${img}` : `caption ${p - ctx.I}`;
}

/** Category name of a point, or '' when it has none. */
export function categoryName(ctx, p) {
  const c = ctx.category[p];
  return c === 255 || !ctx.categoryNames ? '' : valueName(ctx.categoryNames, c);
}

/** The main text of a point: a caption's own text, or an image's first caption. */
export function pointText(ctx, p) {
  if (!ctx.captions) return '';
  if (p >= ctx.I) return ctx.captions.text(p - ctx.I);
  const caps = ctx.captions.ofImage(p);
  return caps.length ? ctx.captions.text(caps[0]) : '';
}

/** The text a search result shows: the caption, or the image's labels, id or file name. */
export function matchText(ctx, { p, kind }) {
  if (kind === 'caption') return ctx.captions ? ctx.captions.text(p - ctx.I) : '';
  if (!ctx.items) return '';
  return kind === 'label' ? ctx.items.labelText(p) : kind === 'id' ? ctx.items.id(p) : ctx.items.file(p);
}

/** "id demo-0-000012 · file images/demo-0-000012.png" for the image of point p ('' if unknown). */
export function itemText(ctx, p) {
  const img = pointImage(ctx, p);
  if (!ctx.items || img < 0) return '';
  const id = ctx.items.id(img), file = ctx.items.file(img);
  return [id && `id ${id}`, file && `file ${file}`].filter(Boolean).join(' · ');
}
