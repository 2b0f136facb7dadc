// One point per vertex. Picking (pick-cpu.js) computes the same sizes on the CPU: keep the two
// in step.
// The colour is looked up here, once per point, not once per pixel ("#define VERTEX_PALETTE",
// when the GPU can read textures in vertex shaders; nearly all can). So is the legend's state
// of the point's value (u_state, 256 x 1: shown, dimmed, hidden, focused), read through the same index,
// so isolating or hiding a value changes 1 KB of texture, never a per-point buffer.
precision highp float;

attribute vec3 a_position;
attribute float a_modality;   // 0 image, 1 caption
attribute float a_flag;       // 1 = matches the current search
attribute float a_color;      // the point's value: palette index and legend state index
attribute float a_selected;   // 1 = in the reader's lasso / box selection
#ifdef VERTEX_PALETTE
uniform sampler2D u_state;    // R = 0 shown, 1 dimmed, 2 hidden, 3 focused (x 1/255)
#endif
varying float v_modality;
#ifdef VERTEX_PALETTE
uniform sampler2D u_palette;  // 256 x 1 RGBA
uniform vec3 u_background;
uniform vec3 u_captionGrey;
uniform float u_captionsGrey; // 1: captions drawn u_captionGrey whatever their value's colour
varying vec3 v_rgb;
#else
varying float v_color;
varying float v_dim;
#endif

uniform mat4 u_viewProj;
uniform float u_size;         // point diameter in CSS px at depth u_refDepth
uniform float u_refDepth;
uniform float u_pixelRatio;
uniform float u_filter;       // 1 while a search is active
uniform float u_selection;    // 1 while a selection exists: the other points are dimmed

void main() {
  float state = 0.0;
#ifdef VERTEX_PALETTE
  vec2 entry = vec2((a_color + 0.5) / 256.0, 0.5);
  state = floor(texture2D(u_state, entry).r * 255.0 + 0.5);
  if (abs(state - 2.0) < 0.5) {  // hidden: put it beyond the far plane, where it is clipped
    gl_Position = vec4(0.0, 0.0, 2.0, 1.0);
    gl_PointSize = 1.0;
    return;
  }
#endif
  float legendDim = state > 0.5 && state < 1.5 ? 1.0 : 0.0;
  float focused = step(2.5, state);
  gl_Position = u_viewProj * vec4(a_position, 1.0);
  float depth = max(gl_Position.w, 1e-3);
  float size = u_size * pow(u_refDepth / depth, 0.75);
  size *= mix(1.0, mix(0.55, 1.9, a_flag), u_filter) * mix(1.0, 0.7, legendDim) * mix(1.0, 1.35, focused);
  gl_PointSize = clamp(size, 1.5, 40.0) * u_pixelRatio;
  v_modality = a_modality;
  float dim = max(u_filter * (1.0 - a_flag), u_selection * (1.0 - a_selected));
#ifdef VERTEX_PALETTE
  vec3 col = texture2D(u_palette, entry).rgb;
  if (a_modality > 0.5 && u_captionsGrey > 0.5) col = u_captionGrey;
  v_rgb = mix(col, u_background, max(dim * 0.72, legendDim * 0.82));
#else
  v_color = a_color;
  v_dim = dim;
#endif
}
