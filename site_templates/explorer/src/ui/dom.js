/**
 * Tiny DOM builder. Dataset text is untrusted: it only ever becomes text nodes
 * (textContent / append(string)), never markup. There is no innerHTML anywhere in the app.
 */

/** el('div', {class: 'x', text: 'y', onclick: fn, title: 't'}, [children]) */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = value;
    else if (key === 'style') Object.assign(node.style, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of [].concat(children)) {
    if (child !== null && child !== undefined && child !== false) node.append(child); // strings become text nodes
  }
  return node;
}

/** Remove all children. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** Text with the [start, end) ranges wrapped in <mark>, built from text nodes only. */
export function markedText(text, ranges) {
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const [a, b] of ranges) {
    if (a > at) frag.append(text.slice(at, a));
    frag.append(el('mark', { text: text.slice(a, b) }));
    at = b;
  }
  if (at < text.length) frag.append(text.slice(at));
  return frag;
}
