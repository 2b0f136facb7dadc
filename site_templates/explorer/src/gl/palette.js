/**
 * Colours of the values of a legend, and their 256 x 1 RGBA texture data (index = value).
 *
 * Up to 20 values each get their own colour from QUALITATIVE; beyond 20 the 19 most frequent get
 * one and the rest share REST grey, and a value the reader isolates or hovers takes the 20th
 * colour so it stands out. When every value is a colour word (the demo world's "colour"), each
 * is drawn in its own colour, as in the docs' figures (builder/render/figures.py): a red drawn
 * blue would confuse. Value 255 ("none") is NONE grey. Colours read on the dark background.
 */

export const BACKGROUND = [0.051, 0.063, 0.09]; // #0d1017

export const MODALITY_COLORS = ['#5aa9ff', '#ffa24c']; // image, caption

// 20 colours chosen to be far apart in OKLab (the smallest distance between two of them is 0.12,
// and 0.12 from the greys below), lightness 0.64-0.91 and moderate chroma for the dark
// background; ordered so that the first n of them are as far apart as possible.
export const QUALITATIVE = [
  '#00b4ff', '#ffe100', '#f04b3c', '#4bb400', '#ffc3ff', '#c369f0', '#00ffa5', '#87e1ff', '#ffc396', '#00a587',
  '#b4a5ff', '#ff8700', '#a5962d', '#a5d20f', '#1ed2b4', '#ff87f0', '#f08796', '#e14ba5', '#c3f0b4', '#7878ff',
];
export const MAX_COLOURED = QUALITATIVE.length; // values beyond this many: top MAX_COLOURED - 1 coloured
export const REST = '#8b919b'; // values beyond the coloured ones
export const NONE = '#5d636d'; // value 255: no value
export const CAPTION_GREY = '#9aa0aa'; // captions in "captions grey" mode

// Colour words' own colours, light enough for the dark background.
export const NAMED = {
  red: '#ff4040', orange: '#ff9a1f', yellow: '#ffe12e', green: '#35c84a', cyan: '#22dde6', blue: '#4f7bff',
  purple: '#b45cff', violet: '#b45cff', pink: '#ff7ac8', magenta: '#ff45e0', brown: '#b8845a', black: '#474c56',
  white: '#f4f4f4', grey: '#9aa0a6', gray: '#9aa0a6',
};

/** The colour words' colours of `names` when every name is a distinct colour word, else null. */
function namedColors(names) {
  const keys = names.map((n) => String(n).trim().toLowerCase());
  return keys.length && keys.every((k) => k in NAMED) && new Set(keys).size === keys.length ? keys.map((k) => NAMED[k]) : null;
}

/**
 * The colours of a legend's values. `counts`: points per value (256 entries, e.g. countValues);
 * `names`: the values' names. Returns {colors: 256 CSS colours, values: how many values occur,
 * coloured: how many of them have a colour of their own, grey: the values drawn REST}.
 */
export function colorTable(mode, counts, names = []) {
  const colors = new Array(256).fill(REST);
  colors[255] = NONE;
  const present = [];
  for (let i = 0; i < 255; i++) if (counts[i] > 0) present.push(i);
  if (mode === 'modality') {
    MODALITY_COLORS.forEach((c, i) => { colors[i] = c; });
    return { colors, values: present.length, coloured: present.length, grey: [] };
  }
  const named = present.length <= MAX_COLOURED && namedColors(present.map((v) => (names[v] === undefined ? '' : names[v])));
  if (present.length <= MAX_COLOURED) {
    present.forEach((v, rank) => { colors[v] = named ? named[rank] : QUALITATIVE[rank]; });
    return { colors, values: present.length, coloured: present.length, grey: [] };
  }
  const byCount = [...present].sort((a, b) => counts[b] - counts[a] || a - b);
  const top = byCount.slice(0, MAX_COLOURED - 1);
  top.forEach((v, rank) => { colors[v] = QUALITATIVE[rank]; });
  return { colors, values: present.length, coloured: top.length, grey: byCount.slice(MAX_COLOURED - 1).sort((a, b) => a - b) };
}

/** The colour a value is drawn in while it is isolated or hovered: grey ones take the spare colour. */
export function focusColor(table, value) {
  return table.colors[value] === REST ? QUALITATIVE[MAX_COLOURED - 1] : table.colors[value];
}

/** [r, g, b] 0-255 of a '#rrggbb' colour. */
export function toRgb(css) {
  const n = parseInt(css.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Uint8Array(256 * 4) RGBA of `table` for the palette texture; `focus` (a value or -1) as focusColor. */
export function paletteData(table, focus = -1) {
  const out = new Uint8Array(256 * 4);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = toRgb(i === focus ? focusColor(table, i) : table.colors[i]);
    out.set([r, g, b, 255], i * 4);
  }
  return out;
}
