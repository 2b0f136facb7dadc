"""Saliency maps per second: batched (trunk once per image without gradients, the head per
(image, prompt) pair, many pairs per backward pass) versus one pair at a time (the whole tower
forward and backward for every map, as miniClip did), in the same run, on the same pairs.

    python -m benchmarks.saliency_throughput [--arch ViT-S-32] [--images 8] [--prompts 8]
                                             [--batch 32] [--vit-blocks 0] [--rounds 3]

(run from the repository root, so that `builder` is this checkout)

Weights are random (throughput does not depend on them), except for `--arch demo`, the demo
model. Rounds are interleaved and the median of each is reported, so a neighbour's load on a
shared machine hits both alike. Prints both rates and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time

import builder  # noqa: F401  (first: sets OMP_WAIT_POLICY before torch loads OpenMP)
import numpy as np
import torch

from builder.compute import saliency as sal
from builder.models.loading import pick_device, random_model


def load(arch: str, device: str):
    if arch == "demo":
        from builder.models.demo import create_demo_model

        model, _, _ = create_demo_model(weights=True)
        return model.to(device).eval()
    return random_model(arch, device=device).model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="ViT-S-32")
    ap.add_argument("--images", type=int, default=8)
    ap.add_argument("--prompts", type=int, default=8, help="prompts per image")
    ap.add_argument("--batch", type=int, default=32, help="pairs per backward pass")
    ap.add_argument("--vit-blocks", type=int, default=0, help="ViT: last n blocks (0 = all)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sequential", type=int, default=0, help="pairs timed one at a time (0 = all)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = pick_device(a.device)
    model = load(a.arch, str(dev))
    size = model.visual.image_size
    size = size if isinstance(size, int) else size[0]
    g = torch.Generator().manual_seed(0)
    images = torch.randn(a.images, 3, size, size, generator=g).to(dev)
    dim = model.visual.output_dim
    text = torch.nn.functional.normalize(torch.randn(a.prompts * 2, dim, generator=g), dim=-1).to(dev)
    rng = np.random.default_rng(0)
    pairs = np.array([(i, t) for i in range(a.images) for t in rng.choice(len(text), a.prompts, replace=False)])
    seq_pairs = pairs if not a.sequential else pairs[: a.sequential]

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    def batched():
        sync()
        t0 = time.perf_counter()
        sal.saliency_maps(model, images, text, pairs, a.batch, a.vit_blocks)
        sync()
        return len(pairs) / (time.perf_counter() - t0)

    def sequential():
        sync()
        t0 = time.perf_counter()
        for i, t in seq_pairs:
            sal.reference_map(model, images[i], text[t], a.vit_blocks)
        sync()
        return len(seq_pairs) / (time.perf_counter() - t0)

    batched(), sequential()  # warm-up
    b, s = [], []
    for _ in range(a.rounds):
        b.append(batched())
        s.append(sequential())
    rb, rs = statistics.median(b), statistics.median(s)
    kind = sal.tower_kind(model.visual)
    print(f"model {a.arch} ({kind}, input {size}px, grid {sal.grid_shape(model.visual, (size, size))}), device {dev}, "
          f"threads {torch.get_num_threads()}, {len(pairs)} maps ({a.images} images x {a.prompts} prompts), "
          f"batch {a.batch}, vit_blocks {a.vit_blocks}, median of {a.rounds} rounds")
    print(f"batched:    {rb:8.1f} maps/s")
    print(f"sequential: {rs:8.1f} maps/s   ({len(seq_pairs)} pairs, one at a time)")
    print(f"ratio:      {rb / rs:8.2f}x")


if __name__ == "__main__":
    main()
