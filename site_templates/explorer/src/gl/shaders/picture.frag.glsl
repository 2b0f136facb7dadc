// A thumbnail cut out of its atlas page, framed in the point's colour, faded in by v_alpha.
precision mediump float;

uniform sampler2D u_page;     // the atlas page (partly filled pages are only as tall as their rows)
uniform vec2 u_pageCells;     // the page's size in cells (columns, rows)
uniform float u_cellPx;       // a cell's size in texels
uniform sampler2D u_palette;  // 256 x 1 RGBA
uniform vec3 u_background;

varying vec2 v_cell;
varying float v_alpha;
varying float v_dim;
varying float v_color;
varying float v_px;

void main() {
  vec2 pc = gl_PointCoord; // (0, 0) top-left, as the page's rows (no flip on upload)
  float inset = 0.5 / u_cellPx; // stay half a texel inside the cell: no bleeding from neighbours
  vec2 uv = (v_cell + clamp(pc, inset, 1.0 - inset)) / u_pageCells;
  vec3 col = texture2D(u_page, uv).rgb;
  float rim = 1.5 / max(v_px, 1.0);
  vec2 e = min(pc, 1.0 - pc);
  if (min(e.x, e.y) < rim) col = texture2D(u_palette, vec2((v_color + 0.5) / 256.0, 0.5)).rgb;
  col = mix(col, u_background, v_dim);
  gl_FragColor = vec4(col * v_alpha, v_alpha); // premultiplied
}
