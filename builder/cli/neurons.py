"""`python -m builder neurons`: optimised images for a range of units of one or more layers,
written as PNG files, without building a site (to try layers and settings before a build);
the work is builder.analyses.neurons.try_units.

    python -m builder neurons --layer visual.transformer.resblocks.3.mlp.gelu --units 0:16 --out neurons-try
"""

from __future__ import annotations

from pathlib import Path

import click

from builder import config as config_mod


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
@click.option("--device", type=click.Choice(config_mod.DEVICES), default=None,
              help="Compute device; auto picks CUDA when available.")
def neurons(layers, units, steps, lr, batch_size, nseed, out_dir, config_path, model_name, checkpoint, device):
    """Optimise one image per unit (many units per batch) and save them as PNG files."""
    from builder.analyses.neurons.try_units import write_unit_images

    cfg = config_mod.load(config_path, model__name=model_name,
                          model__checkpoint=str(Path(checkpoint).absolute()) if checkpoint else None,
                          embed__device=device, neurons__layers=list(layers) or None, neurons__units=units,
                          neurons__steps=steps, neurons__lr=lr, neurons__batch_size=batch_size, neurons__seed=nseed)
    rows, seconds = write_unit_images(cfg, Path(out_dir))
    click.echo(f"{len(rows)} images in {Path(out_dir)} ({seconds:.1f}s)")
