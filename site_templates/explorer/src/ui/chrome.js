/** Page chrome: the help popover, the status line and the error box. */
import { el, clear } from './dom.js';

export function attachHelp(button, box) {
  const set = (open) => {
    box.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
  };
  button.addEventListener('click', (e) => {
    e.stopPropagation();
    set(box.hidden);
  });
  document.addEventListener('click', (e) => { if (!box.contains(e.target)) set(false); });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') set(false); });
}

export function setStatus(node, text) {
  node.textContent = text;
}

/** Show a message the reader can act on, in the page (not only in the console). */
export function showError(node, title, message) {
  clear(node).append(el('h2', { text: title }), el('p', { text: message }));
  node.hidden = false;
}
