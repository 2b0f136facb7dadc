// One picture (an image point's thumbnail) per vertex: a camera-facing square point sprite of
// a_px CSS px, in front of the point's own dot (pulled a little towards the camera).
precision highp float;

attribute vec3 a_position;
attribute vec2 a_cell;        // column and row of the thumbnail on its atlas page
attribute float a_px;         // on-screen size in CSS px (already blended from the dot's)
attribute float a_alpha;      // 0 (still a dot) .. 1 (fully a picture)
attribute float a_dim;        // 0 shown, up to 0.82 dimmed (search, legend)
attribute float a_color;      // the point's value: its palette entry frames the picture

uniform mat4 u_viewProj;
uniform float u_pixelRatio;

varying vec2 v_cell;
varying float v_alpha;
varying float v_dim;
varying float v_color;
varying float v_px;

void main() {
  gl_Position = u_viewProj * vec4(a_position, 1.0);
  gl_Position.z -= 2e-4 * gl_Position.w; // in front of its own dot
  gl_PointSize = a_px * u_pixelRatio;
  v_cell = a_cell;
  v_alpha = a_alpha;
  v_dim = a_dim;
  v_color = a_color;
  v_px = a_px;
}
