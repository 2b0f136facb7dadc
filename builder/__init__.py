"""CLIP Atlas: precompute everything about a CLIP model and a dataset, emit a static WebGL site."""

__version__ = "0.1.0"
