"""CLIP Atlas: precompute everything about a CLIP model and a dataset, emit a static WebGL site."""

import os

# OpenMP threads that spin while waiting steal the cores DataLoader workers decode on (and, on a
# shared machine, everyone else's): measured here, the forward pass ran 2x faster under load with
# passive waiting. Must be set before torch loads OpenMP; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
