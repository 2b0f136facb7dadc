/**
 * Local view panel: the clicked point's K nearest neighbours laid out in 2D by the PCA of its
 * neighbourhood (local_xy; the clicked point sits at the origin), with thumbnails, captions and
 * distances. Clicking a neighbour moves there; hovering one highlights it in the 3D view.
 */
import { el, clear } from './dom.js';
import { pointImage, pointLabel, pointText, categoryName, itemText } from './describe.js';

const pct = (x) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

export function createLocalView(root, { thumbs, ctx, colorOfPoint, onSelect, onHover, onClose }) {
  function item(p, rank, dist) {
    const kind = p < ctx.I ? 'image' : 'caption';
    const text = pointText(ctx, p);
    return el('li', {
      class: `nb nb-${kind}`,
      tabindex: 0,
      dataset: { point: String(p) },
      onclick: () => onSelect(p),
      onkeydown: (e) => { if (e.key === 'Enter') onSelect(p); },
      onmouseenter: () => onHover(p),
      onmouseleave: () => onHover(-1),
    }, [
      el('span', { class: 'rank', text: String(rank) }),
      thumbs.available ? thumbs.make(pointImage(ctx, p), 40) : null,
      el('div', { class: 'nb-text' }, [
        el('div', { class: 'nb-title', text: text || pointLabel(ctx, p) }),
        el('div', { class: 'nb-meta', text: `${pointLabel(ctx, p)} · distance ${dist.toFixed(3)}` }),
      ]),
    ]);
  }

  /**
   * 2D scatter of the neighbourhood: the bounding box of the neighbours and the selected point
   * (at the origin) fills the plot, with one scale for both axes so distances stay true.
   */
  function plot(view) {
    const K = view.neighbours.length;
    let x0 = 0, x1 = 0, y0 = 0, y1 = 0;
    for (let j = 0; j < K; j++) {
      const x = view.local_xy[2 * j], y = view.local_xy[2 * j + 1];
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
    const half = Math.max(x1 - x0, y1 - y0, 1e-6) / 2;
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    const at = (x, y) => ({ left: `${50 + 44 * ((x - cx) / half)}%`, top: `${50 - 44 * ((y - cy) / half)}%` });
    const box = el('div', { class: 'plot', role: 'group', 'aria-label': 'neighbours in 2D (PCA)' });
    const origin = at(0, 0);
    const axisX = el('div', { class: 'axis axis-x', title: 'first principal axis' });
    const axisY = el('div', { class: 'axis axis-y', title: 'second principal axis' });
    axisX.style.top = origin.top;
    axisY.style.left = origin.left;
    box.append(axisX, axisY);
    // nearest drawn last, so it sits on top
    for (let j = K - 1; j >= 0; j--) {
      const p = view.neighbours[j];
      const isImage = p < ctx.I;
      const node = el('button', {
        class: `pt ${isImage ? 'pt-image' : 'pt-caption'}`,
        title: `${j + 1}. ${pointText(ctx, p) || pointLabel(ctx, p)} (distance ${view.local_dist[j].toFixed(3)})`,
        'aria-label': `neighbour ${j + 1}`,
        dataset: { point: String(p) },
        onclick: () => onSelect(p),
        onmouseenter: () => onHover(p),
        onmouseleave: () => onHover(-1),
      }, isImage && thumbs.available ? [thumbs.make(p, 30, 'thumb')] : []);
      Object.assign(node.style, at(view.local_xy[2 * j], view.local_xy[2 * j + 1]));
      node.style.borderColor = colorOfPoint(p);
      box.append(node);
    }
    const centre = el('div', { class: 'pt pt-centre', title: 'the selected point' });
    Object.assign(centre.style, at(0, 0));
    box.append(centre);
    return box;
  }

  return {
    /**
   * Render `view` = {point, neighbours, local_xy, local_dist, local_evr} (or {point, error}); with
   * no view, show `loadingPoint` while its neighbours load, or hide when that is -1 too.
   */
    render(view, loadingPoint = -1) {
      if (!view && loadingPoint < 0) {
        root.hidden = true;
        clear(root);
        return;
      }
      root.hidden = false;
      const p = view ? view.point : loadingPoint;
      const cat = categoryName(ctx, p);
      const head = el('div', { class: 'local-head' }, [
        el('h2', { text: 'Local view' }),
        el('button', { class: 'close', 'aria-label': 'close local view', title: 'close (Esc)', text: '×', onclick: onClose }),
      ]);
      const focus = el('div', { class: 'focus' }, [
        thumbs.available ? thumbs.make(pointImage(ctx, p), 72) : null,
        el('div', {}, [
          el('div', { class: 'focus-label' }, [
            el('span', { class: `kind kind-${p < ctx.I ? 'image' : 'caption'}`, text: p < ctx.I ? 'image' : 'caption' }),
            ` ${pointLabel(ctx, p)}`, cat ? el('span', { class: 'cat', text: cat }) : null]),
          itemText(ctx, p) ? el('div', { class: 'item-ref focus-item', text: itemText(ctx, p) }) : null,
          el('div', { class: 'focus-text', text: pointText(ctx, p) || (ctx.captions ? '' : 'loading captions…') }),
        ]),
      ]);
      clear(root).append(head, focus);
      if (!view || view.error) {
        root.append(el('div', { class: 'muted', text: view ? view.error : 'loading neighbours…' }));
        return;
      }
      const [e1, e2] = view.local_evr;
      root.append(
        el('p', { class: 'evr', text: `${view.neighbours.length} nearest neighbours, laid out by PCA of the neighbourhood. ` +
          `The two axes explain ${pct(e1 + e2)} of its variance (${pct(e1)} + ${pct(e2)}).` }),
        plot(view),
        el('ol', { class: 'nb-list' }, view.neighbours.map((q, j) => item(q, j + 1, view.local_dist[j]))),
      );
    },
  };
}
