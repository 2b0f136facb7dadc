precision mediump float;
varying vec4 v_color;

void main() {
  vec2 c = gl_PointCoord * 2.0 - 1.0;
  float r = length(c);
  if (r > 1.0 || r < 0.62) discard;
  // darker outer edge keeps the ring readable on bright points
  float edge = smoothstep(0.86, 1.0, r);
  // premultiplied alpha: the overlay canvas is composited over the points
  gl_FragColor = vec4(mix(v_color.rgb, vec3(0.0), edge * 0.7) * v_color.a, v_color.a);
}
