"""Can the demo ViT learn to read demo world 2's written words at all? A supervised upper bound.

    python benchmarks/demo_reading_probe.py --steps 800 --images 48000
    python benchmarks/demo_reading_probe.py --steps 800 --images 48000 --image-size 128 --patch-size 16

Renders items 0..--images-1 of the training seed of world 2, keeps those with a written word, and
trains the demo image tower plus a linear head to name the word (24 classes, cross-entropy, AdamW,
batch 128): far more direct than the contrastive signal train-demo gives. Every 100 steps prints
the held-out accuracy by word size on the word items among 1,500 items of seed 2 (chance 1/24).
--image-size / --patch-size try another input grid (the default is the shipped 64 px, patch 8).
No file of the package changes.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=800)
    ap.add_argument("--images", type=int, default=48000)
    ap.add_argument("--image-size", type=int, default=None)
    ap.add_argument("--patch-size", type=int, default=None)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()

    import open_clip
    import torch
    import torch.nn.functional as F

    from builder.datasets.demo import WRITTEN_WORDS, world_renderer
    from builder.models.demo import CONFIG_PATH, DEMO_ARCH, _quiet_open_clip, register_demo_config
    from builder.training.train_demo import HELDOUT_SEED, TRAIN_SEED, _mean_std, build_training_set

    torch.set_num_threads(2)
    torch.manual_seed(0)
    register_demo_config()
    arch = DEMO_ARCH
    if args.image_size or args.patch_size:
        cfg = json.loads(open(CONFIG_PATH).read())
        cfg["vision_cfg"]["image_size"] = args.image_size or cfg["vision_cfg"]["image_size"]
        cfg["vision_cfg"]["patch_size"] = args.patch_size or cfg["vision_cfg"]["patch_size"]
        arch = f"atlas-demo-{cfg['vision_cfg']['image_size']}px-p{cfg['vision_cfg']['patch_size']}"
        path = f"{tempfile.mkdtemp()}/{arch}.json"
        open(path, "w").write(json.dumps(cfg))
        open_clip.add_model_config(path)
    with _quiet_open_clip():
        model, _, preprocess = open_clip.create_model_and_transforms(arch)
    words = list(WRITTEN_WORDS)

    def word_items(n: int, seed: int):
        x, _, labels = build_training_set(n, seed, preprocess, 2, world=2)
        keep = [i for i, m in enumerate(labels) if m["word"]]
        return x[keep], np.array([words.index(labels[i]["word"]) for i in keep]), keep

    x_train, y_train, _ = word_items(args.images, TRAIN_SEED)
    x_test, y_test, kept = word_items(1500, HELDOUT_SEED)
    sizes = np.array([world_renderer(2)(HELDOUT_SEED, i)[1]["word_size"] for i in kept])
    print(f"{arch}: {len(x_train)} training items with a word, {len(x_test)} held out")
    mean, std = _mean_std(preprocess)
    vision, head = model.visual.train(), torch.nn.Linear(model.visual.output_dim, len(words))
    opt = torch.optim.AdamW(list(vision.parameters()) + list(head.parameters()), lr=args.lr, weight_decay=0.1)
    rng, t0 = np.random.default_rng(0), time.perf_counter()

    def held_out() -> str:
        vision.eval()
        with torch.no_grad():
            pred = torch.cat([head(vision((torch.from_numpy(x_test[i:i + 256]).float() / 255 - mean) / std)).argmax(1)
                              for i in range(0, len(x_test), 256)]).numpy()
        vision.train()
        by_size = [f"{z} {np.mean(pred[sizes == z] == y_test[sizes == z]):.3f}" for z in ("small", "medium", "large")]
        return " ".join(by_size) + f" all {np.mean(pred == y_test):.3f}"

    for step in range(args.steps):
        idx = rng.integers(len(x_train), size=128)
        for g in opt.param_groups:
            g["lr"] = args.lr * min(1.0, (step + 1) / 30)
        x = (torch.from_numpy(x_train[idx]).float() / 255 - mean) / std
        loss = F.cross_entropy(head(vision(x)), torch.from_numpy(y_train[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % 100 == 0:
            print(f"step {step + 1}: training loss {loss.item():.3f}, held-out reading {held_out()}, "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
