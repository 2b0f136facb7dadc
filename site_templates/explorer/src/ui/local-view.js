/**
 * Local view panel: the clicked point's K nearest neighbours laid out in 2D by the PCA of its
 * neighbourhood (local_xy; the clicked point sits at the origin), with thumbnails, captions and
 * distances. Clicking a neighbour moves there; hovering one highlights it in the 3D view.
 */
import { el, clear } from './dom.js';
import { pointImage, pointLabel, pointText, categoryName, itemText } from './describe.js';
import { groupCoincident, plotFrame } from './plot-layout.js';

const pct = (x) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

export function createLocalView(root, { thumbs, ctx, colorOfPoint, onSelect, onHover, onClose }) {
  let shownPoint = -1; // a new point opens at the top of the panel
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
   * (at the origin) fills the plot, with one scale for both axes so distances stay true. The
   * axes are labelled with the share of the variance each explains; neighbours on the same spot
   * are one marker with a count (the tooltip and the list below name each).
   */
  function plot(view) {
    const K = view.neighbours.length;
    const frame = plotFrame(view.local_xy, K);
    const pos = ({ left, top }) => ({ left: `${left}%`, top: `${top}%` });
    const box = el('div', { class: 'plot', role: 'group', 'aria-label': 'neighbours in 2D (PCA)' });
    const origin = frame.at(0, 0);
    const [e1, e2] = view.local_evr;
    const axisX = el('div', { class: 'axis axis-x', title: 'first principal axis' });
    const axisY = el('div', { class: 'axis axis-y', title: 'second principal axis' });
    axisX.style.top = `${origin.top}%`;
    axisY.style.left = `${origin.left}%`;
    // each label sits by its axis line, on the side with room
    const labelX = el('span', { class: 'axis-label axis-label-x', text: `PC1 · ${pct(e1)}`,
      title: `first principal axis of the neighbourhood: ${pct(e1)} of its variance` });
    const labelY = el('span', { class: 'axis-label axis-label-y', text: `PC2 · ${pct(e2)}`,
      title: `second principal axis of the neighbourhood: ${pct(e2)} of its variance` });
    labelX.style.top = `${origin.top}%`;
    labelX.classList.toggle('below', origin.top < 12);
    labelY.style.left = `${origin.left}%`;
    labelY.classList.toggle('before', origin.left > 70);
    box.append(axisX, axisY, labelX, labelY);
    const groups = groupCoincident(view.local_xy, K, frame.half / 100);
    const describe = (j) => `${j + 1}. ${pointText(ctx, view.neighbours[j]) || pointLabel(ctx, view.neighbours[j])} ` +
      `(distance ${view.local_dist[j].toFixed(3)})`;
    // nearest drawn last, so it sits on top
    for (let g = groups.length - 1; g >= 0; g--) {
      const { x, y, members } = groups[g];
      const j = members[0];
      const p = view.neighbours[j];
      const isImage = p < ctx.I;
      const n = members.length;
      const node = el('button', {
        class: `pt ${isImage ? 'pt-image' : 'pt-caption'}${n > 1 ? ' pt-group' : ''}`,
        title: n > 1 ? `${n} neighbours at the same place:\n${members.map(describe).join('\n')}` : describe(j),
        'aria-label': n > 1 ? `neighbours ${members.map((m) => m + 1).join(', ')} (same place)` : `neighbour ${j + 1}`,
        dataset: { point: String(p), count: String(n) },
        onclick: () => onSelect(p),
        onmouseenter: () => onHover(p),
        onmouseleave: () => onHover(-1),
      }, [isImage && thumbs.available ? thumbs.make(p, 30, 'thumb') : null,
        n > 1 ? el('span', { class: 'pt-count', text: `×${n}` }) : null]);
      Object.assign(node.style, pos(frame.at(x, y)));
      node.style.borderColor = colorOfPoint(p);
      box.append(node);
    }
    const centre = el('div', { class: 'pt pt-centre', title: 'the selected point' });
    Object.assign(centre.style, pos(origin));
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
        shownPoint = -1;
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
      if (p !== shownPoint) root.scrollTop = 0;
      shownPoint = p;
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
