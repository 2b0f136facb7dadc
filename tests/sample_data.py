"""Small real datasets written to temporary folders, shared by several test modules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 60, 220)}


def write_colour_dataset(root: Path, n: int = 30, seed: int = 0) -> Path:
    """n solid-colour images with noise and two captions each; returns the manifest path."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        name = list(COLOURS)[i % 3]
        h, w = rng.integers(24, 80, size=2)
        arr = np.clip(np.array(COLOURS[name]) + rng.integers(-30, 30, (h, w, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(arr).save(root / "images" / f"{i:03d}.png")
        lines.append(json.dumps({"id": f"item{i}", "image": f"images/{i:03d}.png",
                                 "captions": [f"a {name} square", f"something {name}"], "labels": {"colour": name}}))
    manifest = root / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest
