"""Feature visualisation in the lucent style, batched: the batch dimension is the set of units.

param       a parameterisation returns (params, image_f): image_f() -> float[B, 3, H, W] in [0, 1]
transform   a factory returning inner(image) -> image (robustness: pad, jitter, scale, rotate)
objectives  Objective(fn) with fn(acts) -> float[B], one score per image; they add and multiply
probes      what a unit of a layer is, and how one forward pass reads every chosen layer at once
"""
