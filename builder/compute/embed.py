"""Image and text embeddings, L2-normalised, batched, on whatever device the model is on.

Arrays and tensors in, numpy arrays out; file reading lives in `builder.io.image_dataset`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import numpy as np
import torch


def _autocast(device: torch.device):
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.float16)
    return contextlib.nullcontext()


@torch.no_grad()
def encode_image_batch(model, images: torch.Tensor, device: torch.device) -> np.ndarray:
    """images float[B,3,H,W] (already preprocessed) -> float32[B, D], unit norm."""
    with _autocast(device):
        feats = model.encode_image(images.to(device, non_blocking=True))
    feats = torch.nn.functional.normalize(feats.float(), dim=-1)
    return feats.cpu().numpy().astype(np.float32)


@torch.no_grad()
def encode_texts(model, tokenizer, texts: list[str], device: torch.device, batch_size: int = 256,
                 progress: Iterable | None = None) -> np.ndarray:
    """texts -> float32[len(texts), D], unit norm. `progress` (optional) is a tqdm to update."""
    out = []
    for s in range(0, len(texts), batch_size):
        tokens = tokenizer(texts[s : s + batch_size]).to(device)
        with _autocast(device):
            feats = model.encode_text(tokens)
        out.append(torch.nn.functional.normalize(feats.float(), dim=-1).cpu().numpy())
        if progress is not None:
            progress.update(len(texts[s : s + batch_size]))
    if not out:
        dim = int(getattr(model.visual, "output_dim", 0))
        return np.zeros((0, dim), dtype=np.float32)
    return np.concatenate(out).astype(np.float32)
