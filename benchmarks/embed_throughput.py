"""Embedding throughput of the real pipeline (decode + preprocess + forward, DataLoader workers)
as a fraction of the pure forward throughput on preloaded tensors of the same batch size.

    python benchmarks/embed_throughput.py [--arch ViT-B-32] [--images 192] [--batch 32] [--workers 2]

Uses an open_clip architecture with random weights (throughput does not depend on the weights)
and photo-like JPEGs (640x480, about COCO's size) written to a temporary folder. Prints both figures and the ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from builder.compute.embed import encode_image_batch
from builder.io.image_dataset import ImageFiles, collate
from builder.models.loading import pick_device, random_model


def _forward_rate(lm, pre, dev, n_images, batch) -> float:
    """Images/s of the forward pass alone on a preloaded, preprocessed batch."""
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(0, n_images, batch):
        encode_image_batch(lm.model, pre, dev)
    return n_images / (time.perf_counter() - t0)


def _pipeline_rate(lm, paths, dev, batch, workers) -> float:
    """Images/s of the build's own path: DataLoader workers decode, preprocess and cut thumbnails."""
    loader = torch.utils.data.DataLoader(ImageFiles(paths, lm.preprocess, 64), batch_size=batch,
                                         num_workers=workers, collate_fn=collate,
                                         pin_memory=dev.type == "cuda", prefetch_factor=4 if workers else None)
    t0 = time.perf_counter()
    n = 0
    for idx, tensors, _, _ in loader:
        encode_image_batch(lm.model, tensors, dev)
        n += len(idx)
    return n / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="ViT-B-32")
    ap.add_argument("--images", type=int, default=192)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are printed")
    a = ap.parse_args()
    dev = pick_device(a.device)
    lm = random_model(a.arch, device=str(dev))
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(a.images):
            # photo-like: smooth structure plus fine grain (pure noise would be an unrealistically
            # expensive JPEG to decode)
            base = Image.fromarray((rng.random((30, 40, 3)) * 255).astype(np.uint8)).resize((640, 480), Image.BICUBIC)
            arr = np.clip(np.asarray(base, dtype=np.int16) + rng.integers(-12, 12, (480, 640, 3)), 0, 255)
            p = Path(tmp) / f"{i}.jpg"
            Image.fromarray(arr.astype(np.uint8)).save(p, quality=90)
            paths.append(p)
        pre = torch.stack([lm.preprocess(Image.open(p).convert("RGB")) for p in paths[: a.batch]])
        encode_image_batch(lm.model, pre, dev)  # warm-up
        forward, real = [], []
        for _ in range(a.rounds):  # interleaved, so load from other processes hits both alike
            forward.append(_forward_rate(lm, pre, dev, a.images, a.batch))
            real.append(_pipeline_rate(lm, paths, dev, a.batch, a.workers))
    forward, real = float(np.median(forward)), float(np.median(real))
    print(f"device {dev}, {a.arch} (random weights), batch {a.batch}, workers {a.workers}, "
          f"{a.images} JPEGs 640x480, torch threads {torch.get_num_threads()}, median of {a.rounds} rounds")
    print(f"pure forward (preloaded tensors): {forward:8.1f} images/s")
    print(f"real pipeline (decode+preprocess+forward): {real:8.1f} images/s")
    print(f"ratio real/forward: {real / forward:.3f}")


if __name__ == "__main__":
    main()
