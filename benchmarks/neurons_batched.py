"""Feature visualisation: many units optimised together in one batch vs one unit at a time.

    python benchmarks/neurons_batched.py [--model demo | --arch ViT-S-32 | --arch path/config.json]
                                         [--layer NAME] [--units 64] [--steps 32] [--device auto]

Same units, same seeds, same steps, same process: prints both wall times, the ratio, and the
largest pixel difference between the two routes' images (they should agree up to float noise).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from builder.analyses.neurons.analysis import default_layers
from builder.compute import neurons as N
from builder.compute.fvis.probes import probes_for
from builder.models.loading import pick_device, random_model


def load(args):
    if args.arch:
        import open_clip

        arch = args.arch
        if arch.endswith(".json"):
            open_clip.add_model_config(Path(arch))
            arch = Path(arch).stem
        return random_model(arch, device=str(args.device))
    from builder.models.loading import load_model
    from builder.models.registry import resolve
    from builder.config import ModelConfig

    return load_model(resolve(ModelConfig(name=args.model), "."), args.device)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="demo", help="registered model name (default: the demo model)")
    ap.add_argument("--arch", default="", help="open_clip architecture or config .json, random weights")
    ap.add_argument("--layer", default="", help="layer name (default: the middle block's MLP)")
    ap.add_argument("--units", type=int, default=64)
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    args.device = pick_device(args.device)
    torch.manual_seed(0)
    lm = load(args)
    model = lm.model
    layer = args.layer or default_layers(model)[len(default_layers(model)) // 2]
    probes = probes_for(model)
    size, mean, std = lm.preprocessing.input_size, lm.preprocessing.mean, lm.preprocessing.std
    recipe = N.Recipe(size=max(size), input_size=size, mean=mean, std=std, steps=args.steps)
    jobs = N.make_jobs({layer: list(range(min(args.units, probes[layer].units)))}, seed=0)
    sync = torch.cuda.synchronize if args.device.type == "cuda" else (lambda: None)

    N.visualise(model, probes, jobs[:2], N.Recipe(**{**recipe.__dict__, "steps": 2}), len(jobs), args.device)  # warm-up
    sync()
    t0 = time.perf_counter()
    batched = N.visualise(model, probes, jobs, recipe, batch_size=len(jobs), device=args.device)
    sync()
    t1 = time.perf_counter()
    alone = N.visualise(model, probes, jobs, recipe, batch_size=1, device=args.device)
    sync()
    t2 = time.perf_counter()
    tb, ts = t1 - t0, t2 - t1
    diff = float(np.abs(batched["images"] - alone["images"]).max())
    print(f"model {lm.spec.name} ({lm.spec.arch}), layer {layer}, {len(jobs)} units, {args.steps} steps, "
          f"{recipe.size} px, device {args.device}, {torch.get_num_threads()} threads")
    print(f"batched    (1 batch of {len(jobs)}): {tb:8.2f} s   {tb / len(jobs) * 1000:8.1f} ms/unit")
    print(f"sequential ({len(jobs)} batches of 1): {ts:8.2f} s   {ts / len(jobs) * 1000:8.1f} ms/unit")
    print(f"ratio sequential / batched: {ts / tb:.2f}x")
    print(f"largest pixel difference between the routes: {diff:.2e}; "
          f"activations reached (batched, mean): {batched['activation'].mean():.3f}")


if __name__ == "__main__":
    main()
