"""A short training run on demo world 2 and what it learned, for choosing the next model's recipe.

    python benchmarks/demo_training_probe.py --steps 600 --images 12000 --position-weight 1 --word-weight 2

Trains `builder.training.train_demo.train` with the given weights of the shared caption sets, then
prints the held-out table (400 items of seed 2), the typographic attack (300 items) and how well
the model reads: over the held-out items that carry a written word, the share whose best match
among 'the word "<w>"' (24 words) is the written one, by word size (chance 1/24). Writes the
figures to --out as JSON. Minutes per hundred steps on 2 CPU cores; no file of the package changes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--images", type=int, default=12000)
    ap.add_argument("--attribute-extras", type=float, default=0.5)
    ap.add_argument("--position-weight", type=float, default=None)
    ap.add_argument("--word-weight", type=float, default=None)
    ap.add_argument("--eval-every", type=int, default=200)
    ap.add_argument("--out", type=Path, default=Path("demo-training-probe.json"))
    args = ap.parse_args()

    import torch

    from builder.datasets.demo import WRITTEN_WORDS, world_renderer
    from builder.models.demo import create_demo_model
    from builder.training import evaluation as E
    from builder.training.train_demo import evaluate, train, typographic_attack

    torch.set_num_threads(2)
    model, info = train(steps=args.steps, n_images=args.images, batch_size=128, warmup=max(1, min(100, args.steps // 20)),
                        attribute_extras=args.attribute_extras, position_weight=args.position_weight,
                        word_weight=args.word_weight, world=2, workers=2, eval_every=args.eval_every)
    _, preprocess, tokenizer = create_demo_model(weights=False)
    heldout = evaluate(model, preprocess, tokenizer, n=400, world=2)
    attack = typographic_attack(model, preprocess, tokenizer, n=300, world=2)
    render = world_renderer(2)
    items = [it for it in (render(2, i) for i in range(600)) if it[1]["word"]]
    words = list(WRITTEN_WORDS)
    img = E.encode_images(model, preprocess, [im for im, _ in items])
    pred = (img @ E.encode_texts(model, tokenizer, [f'the word "{w}"' for w in words]).T).argmax(1)
    truth = np.array([words.index(m["word"]) for _, m in items])
    sizes = np.array([m["word_size"] for _, m in items])
    read = {"n": len(items), "all": float(np.mean(pred == truth)), "chance": 1 / len(words),
            **{z: float(np.mean(pred[sizes == z] == truth[sizes == z])) for z in ("small", "medium", "large")}}
    print(E.format_table(heldout, attack))
    print("reads the written word: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in read.items()))
    print(f"training took {info['wall_s']:.0f} s")
    info.pop("token_rows")
    info.pop("losses")
    args.out.write_text(json.dumps({"train": info, "heldout": heldout, "typographic_attack": attack, "reads_word": read},
                                   indent=1) + "\n")


if __name__ == "__main__":
    main()
