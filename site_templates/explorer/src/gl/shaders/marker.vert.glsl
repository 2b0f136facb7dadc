// Highlight rings (hovered, selected, neighbours): a few points of fixed screen size.
precision highp float;
attribute vec3 a_position;
attribute vec4 a_color;
attribute float a_size;
uniform mat4 u_viewProj;
uniform float u_pixelRatio;
varying vec4 v_color;

void main() {
  gl_Position = u_viewProj * vec4(a_position, 1.0);
  gl_PointSize = a_size * u_pixelRatio;
  v_color = a_color;
}
