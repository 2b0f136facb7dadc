"""A torch Dataset over image files: decode safely, preprocess, and cut a thumbnail in one pass.

Runs in DataLoader worker processes, so decoding overlaps the model's forward pass.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from builder.io.images import load_rgb, thumbnail
from builder.records import BadItem


class ImageFiles(torch.utils.data.Dataset):
    """Item i -> (i, tensor[3,H,W] or None, uint8[t,t,3] thumbnail or None, error str or "")."""

    def __init__(self, paths: list[Path], preprocess, thumb_size: int = 0):
        self.paths = list(paths)
        self.preprocess = preprocess
        self.thumb_size = thumb_size

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        try:
            img = load_rgb(self.paths[i])
        except BadItem as exc:
            return i, None, None, str(exc)
        tensor = self.preprocess(img) if self.preprocess is not None else None
        thumb = thumbnail(img, self.thumb_size) if self.thumb_size else None
        return i, tensor, thumb, ""


def collate(batch):
    """Keep failures out of the tensor batch but report them: (idx, tensors, thumbs, ok_idx, errors)."""
    ok = [b for b in batch if not b[3]]
    errors = [(b[0], b[3]) for b in batch if b[3]]
    idx = torch.tensor([b[0] for b in ok], dtype=torch.long)
    tensors = torch.stack([b[1] for b in ok]) if ok and ok[0][1] is not None else None
    thumbs = np.stack([b[2] for b in ok]) if ok and ok[0][2] is not None else None
    return idx, tensors, thumbs, errors
