"""`python -m builder neurons`: optimised images for a range of units of one or more layers,
written as PNG files, without building a site (to try layers and settings before a build).

    python -m builder neurons --layer visual.transformer.resblocks.3.mlp.gelu --units 0:16 --out neurons-try
"""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("neurons")
@click.option("--layer", "layers", multiple=True, help="Layer name (repeatable); see `info --layers`. "
              "Default: an early, a middle and the last block.")
@click.option("--units", default="0:8", show_default=True, help="Units of every layer: '0:16', 'all', '3,17'.")
@click.option("--steps", type=int, default=None, help="Optimisation steps (neurons.steps).")
@click.option("--lr", type=float, default=None, help="Adam learning rate (neurons.lr).")
@click.option("--batch-size", type=int, default=None, help="Units optimised together (neurons.batch_size).")
@click.option("--seed", "nseed", type=int, default=None, help="Seed of the images (neurons.seed).")
@click.option("--out", "out_dir", default="neurons", show_default=True, type=click.Path(file_okay=False),
              help="Folder for <layer>/<unit>.png and activations.json.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="TOML config file.")
@click.option("--model", "model_name", default=None, help="Registered model name (default: demo).")
@click.option("--checkpoint", default=None, type=click.Path(dir_okay=False), help="Local checkpoint file.")
@click.option("--device", type=click.Choice(("auto", "cpu", "cuda", "mps")), default=None,
              help="Compute device; auto picks CUDA when available.")
def neurons(layers, units, steps, lr, batch_size, nseed, out_dir, config_path, model_name, checkpoint, device):
    """Optimise one image per unit (many units per batch) and save them as PNG files."""
    from PIL import Image
    from tqdm import tqdm

    from builder import config as config_mod
    from builder.analyses.neurons import choose_units, recipe_for
    from builder.cli import friendly_errors
    from builder.compute import neurons as N
    from builder.compute.fvis.probes import probes_for
    from builder.models.loading import load_model
    from builder.models.registry import resolve

    @friendly_errors
    def go():
        cfg = config_mod.load(config_path, model__name=model_name,
                              model__checkpoint=str(Path(checkpoint).absolute()) if checkpoint else None,
                              embed__device=device, neurons__layers=list(layers) or None, neurons__units=units,
                              neurons__steps=steps, neurons__lr=lr, neurons__batch_size=batch_size,
                              neurons__seed=nseed)
        lm = load_model(resolve(cfg.model, cfg.base_dir), cfg.embed.device)
        chosen = choose_units(lm.model, cfg.neurons)
        recipe = recipe_for(lm, cfg.neurons)
        jobs = N.make_jobs(chosen, cfg.neurons.seed)
        total = len(N.plan_batches(jobs, cfg.neurons.batch_size)) * recipe.steps
        with tqdm(total=total, desc=f"{len(jobs)} units", unit="step") as bar:
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
        click.echo(f"{len(rows)} images in {root} ({float(out['seconds'].sum()):.1f}s)")

    go()
