"""Feature-visualisation recipes on the demo model: the share of units whose optimised image beats
every dataset image, per unit kind, and the time, for each recipe given.

    python benchmarks/neurons_recipes.py [--units 8] [--images 5000] \
        [--recipe base=steps:128,polish:0] [--recipe default=steps:64,polish:0.1] [--pictures DIR]

Units: the first --units of every kind of the demo model's blocks 0, 3 and 5 (heads: its 4); the
dataset maximum is each unit's best mean activation over --images demo-world images (seed 0, as
the default build). A recipe is name=field:value,... over builder.compute.neurons.Recipe. With
--pictures, a strip of 12 of each recipe's pictures is saved there (to compare them by eye).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from builder.analyses.neurons.analysis import default_layers  # noqa: E402
from builder.compute import neurons as N  # noqa: E402
from builder.compute.fvis.probes import probes_for  # noqa: E402

DEFAULT_RECIPES = ["no-polish-128=steps:128,polish:0", "polish-128=steps:128,polish:0.1", "default=steps:64,polish:0.1"]


def parse_recipe(spec: str, base: N.Recipe) -> tuple[str, N.Recipe]:
    name, _, fields = spec.partition("=")
    kw = {}
    for item in filter(None, fields.split(",")):
        key, _, value = item.partition(":")
        kind = type(getattr(base, key))
        kw[key] = value in ("1", "true") if kind is bool else kind(float(value))
    return name, dataclasses.replace(base, **kw)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=8)
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--recipe", action="append", help="name=field:value,... (repeatable)")
    ap.add_argument("--pictures", type=Path)
    args = ap.parse_args()
    from builder.config import ModelConfig
    from builder.datasets import demo as demo_data
    from builder.models.loading import load_model
    from builder.models.registry import resolve

    torch.manual_seed(0)
    lm = load_model(resolve(ModelConfig(name="demo"), "."), "cpu")
    model, probes = lm.model, probes_for(lm.model)
    layers = default_layers(model)
    units = {n: list(range(min(args.units, probes[n].units))) for n in layers}
    t = time.perf_counter()
    x = torch.stack([lm.preprocess(demo_data.render_item(0, i)[0]) for i in range(args.images)])
    acts = N.dataset_activations(model, [probes[n] for n in layers], units, [x[i:i + 250] for i in range(0, len(x), 250)])
    best = np.concatenate([acts[n]["mean"].max(0) for n in layers])
    kinds = np.array([probes[n].kind for n in layers for _ in units[n]])
    print(f"{len(best)} units of {len(layers)} layers; dataset pass over {len(x):,} images {time.perf_counter() - t:.1f} s; "
          f"{torch.get_num_threads()} threads")
    p = lm.preprocessing
    base = N.Recipe(size=max(p.input_size), input_size=p.input_size, mean=p.mean, std=p.std)
    jobs = N.make_jobs(units, 0)
    for spec in args.recipe or DEFAULT_RECIPES:
        name, recipe = parse_recipe(spec, base)
        t = time.perf_counter()
        out = N.visualise(model, probes, jobs, recipe, 64, "cpu")
        seconds = time.perf_counter() - t
        beat = out["activation"] > best
        by = ", ".join(f"{k} {beat[kinds == k].mean():.0%}" for k in dict.fromkeys(kinds))
        ratio = float(np.median(out["activation"] / np.maximum(np.abs(best), 1e-9)))
        print(f"{name:16s} {recipe.steps:4d} steps, polish {recipe.polish:g}: {seconds:6.1f} s "
              f"({len(jobs) / seconds:.2f} units/s); beat the dataset {beat.mean():.0%} ({by}); "
              f"median optimised / dataset max {ratio:.2f}")
        if args.pictures:
            from PIL import Image

            args.pictures.mkdir(parents=True, exist_ok=True)
            imgs = N.to_uint8(out["images"])
            pick = list(range(0, len(jobs), max(1, len(jobs) // 12)))[:12]
            Image.fromarray(np.concatenate([imgs[i] for i in pick], axis=1)).save(args.pictures / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
