"""Feature visualisation speed per unit kind: units/s batched, and batched vs one at a time.

    python benchmarks/neurons_batch.py [--units 64] [--steps 16] [--block -1] [--layer NAME]
                                       [--arch ViT-S-32 | --arch path/config.json] [--estimate ViT-B-32]

For one block of the demo model (default: the middle one), each unit kind (MLP units, residual
stream, attention output channels, attention heads) is optimised for `--units` units in one batch,
then the same units one at a time (same seeds, same steps, same process). Prints wall and CPU
seconds, units/s (at the given steps), the ratio, and the largest pixel difference between the two
routes' images (they should agree up to float noise). `--layer` times that one layer instead;
`--arch` uses an open_clip architecture with random weights instead of the demo model.
`--estimate ARCH` times a few steps of a random-weight open_clip ARCH (e.g. ViT-B-32) at batch 64
on its last block's MLP and extrapolates to a full block (3,072 MLP units for ViT-B-32) at 512
steps: the time per unit-step is flat in the unit count once batches are full, so units x steps x
(seconds per unit-step) is the estimate.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from builder.compute import neurons as N
from builder.compute.fvis.probes import probes_for
from builder.models.loading import pick_device, random_model

KINDS = ("mlp hidden units", "residual stream", "attention output channels", "attention heads")


def clocked(fn):
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def recipe_of(lm, steps):
    p = lm.preprocessing
    return N.Recipe(size=max(p.input_size), input_size=p.input_size, mean=p.mean, std=p.std, steps=steps)


def load(args):
    """The demo model, or `--arch` (an open_clip name or config .json) with random weights."""
    if args.arch:
        import open_clip

        arch = args.arch
        if arch.endswith(".json"):
            open_clip.add_model_config(Path(arch))
            arch = Path(arch).stem
        return random_model(arch, device=str(args.device))
    from builder.config import ModelConfig
    from builder.models.loading import load_model
    from builder.models.registry import resolve

    return load_model(resolve(ModelConfig(name="demo"), "."), args.device)


def layers_to_time(probes, args) -> list[str]:
    """`--layer`, or one layer of each unit kind in the chosen block."""
    if args.layer:
        if args.layer not in probes:
            raise SystemExit(f"no layer {args.layer!r}; `python -m builder info --layers` lists them")
        return [args.layer]
    blocks = sorted({n.split(".resblocks.")[1].split(".")[0] for n in probes if ".resblocks." in n}, key=int)
    block = blocks[args.block] if args.block >= 0 else blocks[len(blocks) // 2]
    return [next(n for n, p in probes.items() if p.kind == kind and f".resblocks.{block}" in n) for kind in KINDS]


def compare(args):
    lm = load(args)
    probes = probes_for(lm.model)
    recipe = recipe_of(lm, args.steps)
    print(f"{lm.spec.name} ({lm.spec.arch}), {args.steps} steps, {recipe.size} px, device {args.device}, "
          f"{torch.get_num_threads()} threads")
    for name in layers_to_time(probes, args):
        jobs = N.make_jobs({name: list(range(min(args.units, probes[name].units)))}, 0)
        N.visualise(lm.model, probes, jobs[:2], recipe_of(lm, 1), 2, args.device)  # warm-up
        out = {}
        bw, bc = clocked(lambda: out.update(batched=N.visualise(lm.model, probes, jobs, recipe, len(jobs), args.device)))
        sw, sc = clocked(lambda: out.update(alone=N.visualise(lm.model, probes, jobs, recipe, 1, args.device)))
        diff = float(np.abs(out["batched"]["images"] - out["alone"]["images"]).max())
        print(f"{probes[name].kind:27s} {name}\n    {len(jobs):3d} units  batched {bw:7.2f} s wall {bc:7.2f} s cpu  "
              f"{len(jobs) / bw:6.2f} units/s  one at a time {sw:7.2f} s wall {sc:7.2f} s cpu  "
              f"ratio {sw / bw:5.2f}x wall {sc / max(bc, 1e-9):5.2f}x cpu  largest pixel difference {diff:.1e}")


def estimate(args):
    lm = random_model(args.estimate, device=str(args.device))
    probes = probes_for(lm.model)
    name = [n for n in probes if n.endswith(".mlp.gelu")][-1]
    units = probes[name].units
    jobs = N.make_jobs({name: list(range(64))}, 0)
    N.visualise(lm.model, probes, jobs[:2], recipe_of(lm, 1), 2, args.device)
    wall, cpu = clocked(lambda: N.visualise(lm.model, probes, jobs, recipe_of(lm, args.estimate_steps), 64, args.device))
    per = wall / (64 * args.estimate_steps)
    print(f"{args.estimate} (random weights) {name}: {per * 1000:.1f} ms per unit-step at batch 64 "
          f"({args.estimate_steps} steps timed, {cpu:.1f} s cpu); a full block ({units:,} MLP units) at 512 steps: "
          f"{units * 512 * per / 3600:.1f} h on this machine")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=64)
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--block", type=int, default=-1, help="block index (default: the middle block)")
    ap.add_argument("--layer", default="", help="time this one layer instead of every kind of a block")
    ap.add_argument("--arch", default="", help="open_clip architecture or config .json, random weights")
    ap.add_argument("--estimate", default="", help="also time this open_clip architecture (random weights)")
    ap.add_argument("--estimate-steps", type=int, default=2)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    args.device = pick_device(args.device)
    torch.manual_seed(0)
    compare(args)
    if args.estimate:
        estimate(args)


if __name__ == "__main__":
    main()
