/**
 * Colour palettes as 256 x 1 RGBA texture data. Index 255 ("none") is a neutral grey.
 * Colours are chosen to read well on the dark background.
 */

export const BACKGROUND = [0.051, 0.063, 0.09]; // #0d1017

export const MODALITY_COLORS = ['#5aa9ff', '#ffa24c']; // image, caption

// 20 distinct hues, bright enough for a dark background.
const QUALITATIVE = [
  '#4e9bff', '#ff8f3f', '#4fd18b', '#ff5f6d', '#b58cff', '#ffd34f', '#3fd6d6', '#ff7fcf',
  '#a3d94a', '#c9a17a', '#7fb2ff', '#ffb38a', '#93e6b5', '#ff9aa5', '#d3b8ff', '#fff08a',
  '#9ef0f0', '#ffc2e6', '#d2f09a', '#e6d3bf',
];

/** The colour (CSS hex) of palette entry i for a mode: modality or a categorical legend. */
export function colorOf(mode, i) {
  if (i === 255) return '#6b7280';
  if (mode === 'modality') return MODALITY_COLORS[i] || '#6b7280';
  if (i < QUALITATIVE.length) return QUALITATIVE[i];
  // beyond 20 entries: golden-angle hues at two lightness levels
  const hue = (i * 137.508) % 360;
  return `hsl(${hue.toFixed(1)}, 70%, ${i % 2 ? 62 : 72}%)`;
}

function toRgb(css) {
  if (css.startsWith('#')) {
    const n = parseInt(css.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const [h, s, l] = css.match(/[\d.]+/g).map(Number);
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const f = (k) => {
    const t = (k + h / 30) % 12;
    return Math.round(255 * (l / 100 - a * Math.max(-1, Math.min(t - 3, 9 - t, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** Uint8Array(256 * 4) of RGBA for the texture of `mode`. */
export function paletteData(mode) {
  const out = new Uint8Array(256 * 4);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = toRgb(colorOf(mode, i));
    out.set([r, g, b, 255], i * 4);
  }
  return out;
}
