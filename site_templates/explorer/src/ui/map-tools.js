/**
 * The map's tool bar: one button per projection (UMAP, PCA, t-SNE; its trustworthiness in the
 * tooltip), the lasso and box tools (a chosen tool makes a plain drag select, on touch too) and
 * Clear. `update(state)` reflects the store.
 */
import { el } from './dom.js';

export function createMapTools({ projection, lasso, box, clear }, { projections, on }) {
  const buttons = projections.map((m) => {
    const tw = m.trustworthiness && Number.isFinite(m.trustworthiness.value)
      ? ` · trustworthiness ${m.trustworthiness.value.toFixed(3)} (k = ${m.trustworthiness.k})` : '';
    return el('button', { class: 'seg', type: 'button', 'aria-pressed': 'false', 'data-projection': m.key,
      title: `Show the ${m.label} projection${tw}`, text: m.label, onclick: () => on.projection(m.key) });
  });
  projection.append(...buttons);
  projection.hidden = projections.length < 2;
  lasso.addEventListener('click', () => on.tool('lasso'));
  box.addEventListener('click', () => on.tool('box'));
  clear.addEventListener('click', () => on.clear());
  return {
    update(s) {
      for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.projection === s.projection));
      lasso.setAttribute('aria-pressed', String(s.selectTool === 'lasso'));
      box.setAttribute('aria-pressed', String(s.selectTool === 'box'));
      clear.disabled = !s.selection;
    },
  };
}
