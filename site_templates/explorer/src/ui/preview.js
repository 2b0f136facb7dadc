/**
 * Hover card: the thumbnail, dataset id, file name and caption(s) of the point under the cursor. For an image, its
 * captions; for a caption, its own text first (highlighted), then its image's other captions.
 */
import { el, clear } from './dom.js';
import { pointImage, pointLabel, categoryName, itemText } from './describe.js';

const MAX_CAPTIONS = 5;
const THUMB_PX = 96;

export function createPreview(root, { thumbs, ctx }) {
  const thumb = thumbs.make(-1, THUMB_PX, 'thumb card-thumb');
  const label = el('div', { class: 'card-label' });
  const ref = el('div', { class: 'item-ref card-item' }); // dataset id and file name
  const list = el('ul', { class: 'card-captions' });
  clear(root).append(thumb, el('div', { class: 'card-body' }, [label, ref, list]));
  let shown = -1;

  function fill(p) {
    const img = pointImage(ctx, p);
    thumbs.draw(thumb, img, THUMB_PX);
    thumb.hidden = !thumbs.available;
    const cat = categoryName(ctx, p);
    clear(label).append(el('span', { class: `kind kind-${p < ctx.I ? 'image' : 'caption'}`, text: p < ctx.I ? 'image' : 'caption' }),
      ` ${pointLabel(ctx, p).replace(/^(image|caption) /, '#')}`,
      cat ? el('span', { class: 'cat', text: cat }) : null);
    ref.textContent = itemText(ctx, p);
    ref.hidden = !ref.textContent;
    clear(list);
    if (!ctx.captions) {
      list.append(el('li', { class: 'muted', text: 'loading captions…' }));
      return;
    }
    const own = p >= ctx.I ? p - ctx.I : -1;
    const caps = img >= 0 ? ctx.captions.ofImage(img) : [];
    const ordered = own >= 0 ? [own, ...caps.filter((c) => c !== own)] : caps;
    for (const c of ordered.slice(0, MAX_CAPTIONS)) {
      list.append(el('li', { class: c === own ? 'own' : '', text: ctx.captions.text(c) }));
    }
    if (ordered.length > MAX_CAPTIONS) list.append(el('li', { class: 'muted', text: `+ ${ordered.length - MAX_CAPTIONS} more` }));
    if (ordered.length === 0) list.append(el('li', { class: 'muted', text: 'no captions' }));
  }

  return {
    /** Show point p near canvas position (x, y) inside a stage of size (w, h). */
    show(p, x, y, w, h) {
      if (p !== shown) {
        fill(p);
        shown = p;
      }
      root.hidden = false;
      const cw = root.offsetWidth, ch = root.offsetHeight;
      const left = x + 18 + cw > w ? Math.max(4, x - 18 - cw) : x + 18;
      const top = Math.min(Math.max(4, y - ch / 2), Math.max(4, h - ch - 4));
      root.style.transform = `translate(${Math.round(left)}px, ${Math.round(top)}px)`;
    },
    hide() {
      root.hidden = true;
      shown = -1;
    },
    /** Re-fill (e.g. when captions arrive). */
    refresh() {
      if (shown >= 0) fill(shown);
    },
  };
}
