"""Tiny random open_clip CLIP models for fast saliency tests (a ViT and a ModifiedResNet), a tiny
shapes dataset with boxes and written words, and an AnalysisContext over both."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import open_clip
import pytest
import torch
from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg
from PIL import Image, ImageDraw

from builder import config as config_mod
from builder.analyses import AnalysisContext
from builder.compute.embed import encode_image_batch
from builder.datasets.manifest import collect_manifest
from builder.io.cache import Cache
from builder.io.images import load_rgb
from builder.models.loading import LoadedModel
from builder.models.registry import ModelSpec

TEXT = CLIPTextCfg(context_length=16, vocab_size=49408, width=32, heads=2, layers=1)


def tiny_clip(seed: int = 0, **vision) -> CLIP:
    """A small random open_clip CLIP whose image tower is described by `vision` (CLIPVisionCfg)."""
    torch.manual_seed(seed)
    model = CLIP(24, CLIPVisionCfg(**vision), TEXT).eval()
    # randomise the LayerScale / bias / norm parameters too, so every term of a block matters
    with torch.no_grad():
        for name, p in model.visual.named_parameters():
            if p.ndim == 1 and "ls_" not in name:
                p.add_(0.1 * torch.randn_like(p))
    return model


VIT = dict(layers=3, width=32, head_width=8, patch_size=8, image_size=32)
VIT_VARIANTS = {
    "default": VIT,
    "layerscale": {**VIT, "ls_init_value": 0.5},
    "avg-pool": {**VIT, "pool_type": "avg"},
    "custom-qknorm": {**VIT, "qk_norm": True, "scale_heads": True, "scale_attn_inner": True, "scale_attn": True,
                      "scale_fc": True},
}
# (scaled_cosine_attn is not tested: open_clip 3.3's own Attention.forward fails on it, bmm of 4D tensors)
RESNET = dict(layers=(1, 1, 1, 1), width=8, head_width=16, image_size=64)


@pytest.fixture(scope="module")
def one_thread():
    """Tiny models run fastest on one thread; on a shared, loaded CPU two threads can be 20x slower."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


COLOURS = {"red": (220, 20, 30), "blue": (20, 50, 220), "green": (20, 160, 40)}
SHAPES = ("square", "circle")
HOSTILE = '<img src=x onerror=alert(1)> **bold** [link](http://evil.example/)'


def write_shapes(root: Path, n: int = 12) -> Path:
    """n 48-px images: one coloured shape on grey, a box, labels colour/shape; every third has a
    written word (one hostile caption and word to check escaping)."""
    (root / "img").mkdir(parents=True)
    rng = np.random.default_rng(0)
    lines = []
    for i in range(n):
        colour, shape = list(COLOURS)[i % 3], SHAPES[(i // 3) % 2]
        img = Image.new("RGB", (48, 48), (128, 128, 128))
        d = ImageDraw.Draw(img)
        x0, y0 = (int(v) for v in rng.integers(2, 24, 2))
        (d.rectangle if shape == "square" else d.ellipse)([x0, y0, x0 + 20, y0 + 20], fill=COLOURS[colour])
        word = ["", "", ["circle", "blue", "dog", "hello"][(i // 3) % 4]][i % 3]
        if i == 2:
            word = HOSTILE
        if word:
            d.text((2, 38), word[:8], fill=(0, 0, 0))
        img.save(root / "img" / f"{i}.png")
        caption = f"a {colour} {shape}" if i != 5 else HOSTILE
        lines.append(json.dumps({"id": f"s{i}" if i != 8 else HOSTILE, "image": f"img/{i}.png", "captions": [caption],
                                 "labels": {"shape": shape, "colour": colour},
                                 "box": [x0 / 48, y0 / 48, (x0 + 21) / 48, (y0 + 21) / 48], "extra": {"word": word}}))
    (root / "m.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root / "m.jsonl"


def make_ctx(tmp_path: Path, vision: dict, size: int, **saliency) -> AnalysisContext:
    model = tiny_clip(**vision)
    preprocess = open_clip.image_transform(size, is_train=False)
    tok = open_clip.get_tokenizer("ViT-B-32", context_length=16)
    lm = LoadedModel(ModelSpec("tiny", "tiny", "random"), model, preprocess, tok, torch.device("cpu"), "tiny-" + str(size))
    col = collect_manifest(write_shapes(tmp_path / "ds"), "shapes")
    imgs = torch.stack([preprocess(load_rgb(r.image)) for r in col.records])
    cfg = config_mod.from_dict({"dataset": {"kind": "manifest", "path": "x", "name": "shapes"},
                                "saliency": {"enabled": True, "images": 6, "word_images": 3, "eval_images": 8,
                                             "deletion_steps": 4, "image_px": 48, **saliency}})
    logs = []
    return AnalysisContext(cfg, col, lm, encode_image_batch(model, imgs, lm.device), np.zeros((0, 24), np.float32),
                           [], np.zeros(0, np.uint32), Cache(tmp_path / "cache"), None, logs.append)
