/** Page chrome: the help popover (its button or ?), the status line and the error box. */
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
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') set(false);
    else if (e.key === '?' && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement)) set(box.hidden);
  });
}

/**
 * With more than one dataset, the name in the top bar becomes a picker; choosing one loads it
 * (a fresh page: each dataset has its own buffers and GL state).
 */
export function datasetPicker(node, datasets, current) {
  if (datasets.length < 2) {
    node.textContent = current.title || current.name;
    return;
  }
  const select = el('select', { class: 'dataset-picker', 'aria-label': 'Dataset' },
    datasets.map((d) => el('option', { value: d.name, text: d.title || d.name })));
  select.value = current.name;
  select.addEventListener('change', () => {
    location.hash = new URLSearchParams({ d: select.value }).toString();
    location.reload();
  });
  clear(node).append(select);
}

export function setStatus(node, text) {
  node.textContent = text;
}

/** Show a message the reader can act on, in the page (not only in the console). */
export function showError(node, title, message) {
  clear(node).append(el('h2', { text: title }), el('p', { text: message }));
  node.hidden = false;
}

/**
 * What to tell the reader when the explorer cannot start. Opened from file:// the browser
 * refuses every fetch of the site's data ("Failed to fetch"): say, in one sentence, how to serve it.
 */
export function startupError(protocol, message, schema = false) {
  if (protocol === 'file:') {
    return {
      title: 'This explorer needs to be served',
      message: 'Browsers do not let a page opened from a file read its data: in the site folder run '
        + '`python -m builder serve --dir .` (or any static server, e.g. `python -m http.server`) '
        + 'and open the address it prints.',
    };
  }
  return { title: schema ? 'This dataset cannot be shown' : 'The explorer failed to start', message };
}
