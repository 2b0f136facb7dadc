// Images are filled discs with a dark rim; captions are rings. Points are opaque and
// depth-tested, so no sorting is needed at a million points.
precision mediump float;

varying float v_modality;
#ifdef VERTEX_PALETTE
varying vec3 v_rgb;
#else
uniform sampler2D u_palette;  // 256 x 1 RGBA
uniform vec3 u_background;
varying float v_color;
varying float v_dim;
#endif

void main() {
  vec2 c = gl_PointCoord * 2.0 - 1.0;
  float r2 = dot(c, c);
  if (r2 > 1.0) discard;
  bool caption = v_modality > 0.5;
  if (caption && r2 < 0.3) discard;
#ifdef VERTEX_PALETTE
  vec3 col = v_rgb;
#else
  vec3 col = mix(texture2D(u_palette, vec2((v_color + 0.5) / 256.0, 0.5)).rgb, u_background, v_dim * 0.72);
#endif
  if (!caption && r2 > 0.62) col *= 0.62;
  gl_FragColor = vec4(col, 1.0);
}
