"""`train-demo`: train the demo CLIP on the demo world, or evaluate the shipped weights.

Thin: parse options, call builder.training.ship.
"""

from __future__ import annotations

from pathlib import Path

import click

from builder.config import DEVICES
from builder.models.demo_paths import WEIGHTS_PATH


@click.command("train-demo")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=WEIGHTS_PATH, show_default=True,
              help="Weights file to write (fp16 safetensors); the metrics JSON goes beside it. "
                   "With --eval-only, the weights file to evaluate.")
@click.option("--steps", type=click.IntRange(min=1), default=None,
              help="Optimiser steps. Default: 1400 (the shipped weights), or as many as --epochs needs.")
@click.option("--epochs", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Passes over the training images; overrides --steps.")
@click.option("--batch-size", type=click.IntRange(min=2), default=128, show_default=True,
              help="Image–caption pairs per step (the contrastive loss's negatives come from the batch).")
@click.option("--images", "n_images", type=click.IntRange(min=2), default=30000, show_default=True,
              help="Distinct training images, items 0..N-1 of the demo world's training seed 1.")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=1e-3, show_default=True,
              help="Peak learning rate (AdamW, linear warmup then cosine decay to zero).")
@click.option("--hard-negatives", type=click.IntRange(0, 7), default=0, show_default=True,
              help="Captions with the shape word swapped for another shape, scored against each image "
                   "as extra negatives (each costs about 0.1 s per step of 128 on 2 CPU cores).")
@click.option("--attribute-captions", type=click.FloatRange(min=0), default=0.5, show_default=True,
              help="Weight of the loss that scores every image against all 64 captions "
                   "'a <colour> <shape>' shared by the batch (0: plain CLIP loss).")
@click.option("--attribute-extras", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Weight, relative to the pairs, of the same loss against the shared captions "
                   "'<background> background' and '<size>', which keeps the background in the embedding "
                   "(0.5: background 98.8% instead of 19%, retrieval i2t@10 91% instead of 81%, but shape "
                   "88.4% instead of 92.2%).")
@click.option("--position-weight", type=click.FloatRange(min=0), default=None,
              help="Weight, relative to the pairs, of the shared position captions 'a shape <position>' "
                   "(default: --attribute-extras).")
@click.option("--word-weight", type=click.FloatRange(min=0), default=None,
              help="Weight, relative to the pairs, of the shared captions 'the word \"<word>\"' over the images "
                   "with a written word (default: --attribute-extras).")
@click.option("--eval-every", type=click.IntRange(min=0), default=0, show_default=True,
              help="Print a quick held-out check (200 items) every N steps (0: only at the end).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed for the initialisation, batch order and caption choice (the data seeds are fixed).")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
              help="Where to train; auto picks CUDA when available.")
@click.option("--threads", type=click.IntRange(min=1), default=2, show_default=True,
              help="CPU threads for torch (and processes for rendering the training images).")
@click.option("--eval-n", type=click.IntRange(min=10), default=1000, show_default=True,
              help="Held-out items (seed 2) used for the reported metrics.")
@click.option("--eval-only", is_flag=True,
              help="Do not train: load --out, measure it again on held-out items and print the table. The figures "
                   "in its metrics JSON are updated only by a measurement at least as large, on the same world "
                   "(the weights are not touched).")
@click.option("--world", type=click.IntRange(1, 2), default=None,
              help="Demo world: 1 (the default build's) or 2 (written words in three sizes, synonyms and "
                   "prefixes in captions, non-square images; builder/datasets/demo_world2.py). Training "
                   "default: 1; with --eval-only: the world the weights were trained on.")
def train_demo(out, steps, epochs, batch_size, n_images, lr, hard_negatives, attribute_captions, attribute_extras, position_weight, word_weight, eval_every, seed, device, threads, eval_n, eval_only, world):
    """Train the demo CLIP from scratch on the procedural demo world and ship its weights.

    Trains on seed 1 of the demo world, evaluates on held-out seed 2, writes the weights and
    <name>.metrics.json beside them, and prints the metrics table.
    """
    import torch

    from builder.models.loading import pick_device
    from builder.training.ship import evaluate_shipped, train_and_ship

    torch.set_num_threads(threads)
    device = str(pick_device(device))
    if eval_only:
        table, path, kept = evaluate_shipped(out, device, eval_n, world)
        click.echo(table)
        click.echo(f"updated {path.name}" if kept is None else f"left {path.name} as it was: {kept}")
        return
    if epochs is not None:
        steps = max(1, round(epochs * n_images / batch_size))
    import shlex
    import sys

    command = "python -m builder " + shlex.join(sys.argv[1:])  # how these weights were made, as typed
    table, path, info = train_and_ship(out, steps or 1400, device, eval_n, command=command, batch_size=batch_size, seed=seed,
                                       n_images=n_images, lr=lr, workers=threads, hard_negatives=hard_negatives,
                                       attribute_captions=attribute_captions, attribute_extras=attribute_extras,
                                       position_weight=position_weight, word_weight=word_weight, eval_every=eval_every, world=world or 1)
    click.echo(f"wrote {out} ({out.stat().st_size:,} bytes) and {path.name}; training took {info['wall_s']:.0f} s")
    click.echo(table)
