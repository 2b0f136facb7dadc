"""Tiny random-weight open_clip models (a ViT and a ModifiedResNet tower) and a tiny analysis
context built from synthetic images, for fast tests of the analyses' mechanics."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from builder.analyses import AnalysisContext
from builder.config import from_dict
from builder.io.cache import Cache
from builder.models.loading import LoadedModel
from builder.models.registry import ModelSpec
from builder.records import Collection, Record

VIT = {"image_size": 32, "patch_size": 8, "width": 64, "head_width": 32, "layers": 3, "mlp_ratio": 2.0}
RESNET = {"image_size": 32, "layers": (1, 1, 1, 1), "width": 8, "head_width": 16}
TEXT = {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1}


def tiny_model(tower: str = "vit", seed: int = 0) -> LoadedModel:
    import open_clip

    torch.manual_seed(seed)
    vision = VIT if tower == "vit" else RESNET
    model = open_clip.CLIP(embed_dim=32, vision_cfg=vision, text_cfg=TEXT).eval()
    preprocess = open_clip.image_transform(vision["image_size"], is_train=False)
    tokenizer = open_clip.get_tokenizer("ViT-B-32", context_length=TEXT["context_length"])
    spec = ModelSpec(f"tiny-{tower}", f"tiny-{tower}", "random", f"seed {seed}")
    return LoadedModel(spec, model, preprocess, tokenizer, torch.device("cpu"), f"tiny-{tower}-{seed}")


COLOURS = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 60, 220)}


def write_images(root: Path, n: int = 24, seed: int = 0, hostile: str = "<script>alert(1)</script>") -> list[Record]:
    """n small images of three colours (one colour named by a hostile string), with captions."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    names = ["red", "green", hostile]
    records = []
    for i in range(n):
        c = i % 3
        rgb = list(COLOURS.values())[c]
        h, w = rng.integers(28, 48, size=2)
        arr = np.clip(np.array(rgb) + rng.integers(-40, 40, (h, w, 3)), 0, 255).astype(np.uint8)
        path = root / f"{i:03d}.png"
        Image.fromarray(arr).save(path)
        records.append(Record(f"item{i}", path, (f"a {names[c]} square", f"something {names[c]}"),
                              {"colour": names[c], "size": ["small", "large"][i % 2]}))
    return records


@torch.no_grad()
def tiny_context(root: Path, lm: LoadedModel, records: list[Record], config: dict | None = None) -> AnalysisContext:
    from builder.analyses.support import load_pixels
    from builder.compute.embed import encode_image_batch, encode_texts

    x, kept, _, _ = load_pixels(records, range(len(records)), lm.preprocess)
    img = encode_image_batch(lm.model, x, lm.device)
    captions = [c for r in records for c in r.captions]
    txt = encode_texts(lm.model, lm.tokenizer, captions, lm.device)
    cap_img = np.array([i for i, r in enumerate(records) for _ in r.captions], dtype=np.uint32)
    cfg = from_dict(config or {})
    col = Collection("tiny", records, [], len(records))
    return AnalysisContext(cfg, col, lm, img, txt, captions, cap_img, Cache(root / "cache"),
                           lambda total, desc: contextlib.nullcontext(_Bar()), lambda s: None)


class _Bar:
    def update(self, n=1):
        pass
