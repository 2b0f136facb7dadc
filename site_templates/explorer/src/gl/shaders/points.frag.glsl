// Images are filled discs with a dark rim; captions are rings. Points are opaque and
// depth-tested, so no sorting is needed at a million points.
precision mediump float;

varying float v_modality;
#ifdef VERTEX_PALETTE
varying vec3 v_rgb;
#else
// GPUs without vertex textures: the palette and the legend state are read here, per pixel.
uniform sampler2D u_palette;  // 256 x 1 RGBA
uniform sampler2D u_state;    // R = 0 shown, 1 dimmed, 2 hidden, 3 focused (x 1/255)
uniform vec3 u_background;
uniform vec3 u_captionGrey;
uniform float u_captionsGrey;
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
  vec2 entry = vec2((v_color + 0.5) / 256.0, 0.5);
  float state = floor(texture2D(u_state, entry).r * 255.0 + 0.5);
  if (abs(state - 2.0) < 0.5) discard;
  vec3 col = caption && u_captionsGrey > 0.5 ? u_captionGrey : texture2D(u_palette, entry).rgb;
  col = mix(col, u_background, max(v_dim * 0.72, state > 0.5 && state < 1.5 ? 0.82 : 0.0));
#endif
  if (!caption && r2 > 0.62) col *= 0.62;
  gl_FragColor = vec4(col, 1.0);
}
