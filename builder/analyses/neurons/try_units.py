"""Optimised images for a range of units, written as PNG files without building a site (to try
layers and settings before a build); `python -m builder neurons` calls this.

    rows, seconds = write_unit_images(cfg, Path("neurons-try"))
writes
    out_dir/<layer>/<unit>.png and out_dir/activations.json {"recipe", "units": rows}
"""

from __future__ import annotations

import json
from pathlib import Path

from builder.config import Config


def write_unit_images(cfg: Config, out_dir: Path, progress: bool = True) -> tuple[list[dict], float]:
    """One optimised image per unit of cfg.neurons (many units per batch); returns the rows of
    activations.json and the optimisation time in seconds."""
    from PIL import Image
    from builder.progress import progress_bar

    from builder.analyses.neurons.analysis import choose_units, every_block_by_default, recipe_for
    from builder.compute import neurons as N
    from builder.compute.fvis.probes import probes_for
    from builder.models.loading import load_model
    from builder.models.registry import resolve

    lm = load_model(resolve(cfg.model, cfg.base_dir), cfg.embed.device)
    chosen = choose_units(lm.model, cfg.neurons, every_block=every_block_by_default(lm.spec))
    recipe = recipe_for(lm, cfg.neurons)
    jobs = N.make_jobs(chosen, cfg.neurons.seed)
    total = len(N.plan_batches(jobs, cfg.neurons.batch_size)) * recipe.steps
    with progress_bar(total=total, desc=f"{len(jobs)} units", unit="step", progress=progress) as bar:
        out = N.visualise(lm.model, probes_for(lm.model), jobs, recipe, cfg.neurons.batch_size, lm.device,
                          on_step=bar.update)
    images = N.to_uint8(out["images"])
    root = Path(out_dir)
    rows = []
    for job, img, act in zip(jobs, images, out["activation"]):
        path = root / job.layer.removeprefix("visual.") / f"{job.unit:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(path)
        rows.append({"layer": job.layer, "unit": job.unit, "file": str(path.relative_to(root)),
                     "activation": float(act)})
    (root / "activations.json").write_text(json.dumps({"recipe": recipe.__dict__, "units": rows}, indent=1))
    return rows, float(out["seconds"].sum())
