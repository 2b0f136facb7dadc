"""Test helpers, one copy of each: tiny random open_clip models, small real datasets written to
temporary folders, an AnalysisContext over them, and a sample build report. Fixtures that wrap
them live in tests/conftest.py.

Models
  tiny_model(arch)   a LoadedModel through the real loading path (`random_model`) of an
                     architecture in tests/fixtures/*.json: "tiny-vit" (3 blocks, 32 px),
                     "tiny-rn" (ModifiedResNet, 64 px), "tiny-rn-small" (ModifiedResNet, 32 px).
  tiny_clip(**vision) a bare open_clip CLIP whose image tower is any CLIPVisionCfg (the saliency
                     tests need the ViT variants VIT_VARIANTS and a ResNet, RESNET).
Datasets
  write_colour_dataset  solid-colour images with captions, as a manifest.
  write_tagged_dataset  images with two label fields, one with many values, as a manifest.
  write_images          the same kind of images as Records, one colour named by a hostile string.
  write_shapes          shapes on grey with boxes and written words, as a manifest.
Contexts
  tiny_context(root, lm, records_or_collection, config)  embeddings computed by the real encoders.
  make_ctx(root, vision, size, **saliency)              a saliency context over write_shapes.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np
import open_clip
import torch
from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg
from PIL import Image, ImageDraw

from builder.analyses import AnalysisContext
from builder.config import from_dict
from builder.io.cache import Cache
from builder.models.loading import LoadedModel, random_model
from builder.models.registry import ModelSpec
from builder.records import Collection, Record

FIXTURES = Path(__file__).parent / "fixtures"
# Every analysis (and the browser-model stage) runs by default; tests of the core build leave them
# out (they have their own tests: tests/test_browser_model.py for the model in the browser).
NO_ANALYSES = {"saliency__enabled": False, "neurons__enabled": False, "topology__enabled": False,
               "robustness__enabled": False, "browser_model__enabled": False}  # config.load(None, **NO_ANALYSES)
CORE_ONLY = ["--analyses", "none", "--no-browser-model"]  # the same on the command line


# -- models ----------------------------------------------------------------------------------------

def register(arch: str) -> str:
    """Make an architecture of tests/fixtures/ known to open_clip (once); returns its name."""
    if arch not in open_clip.list_models():
        open_clip.add_model_config(FIXTURES / f"{arch}.json")
    return arch


def tiny_model(arch: str = "tiny-vit", seed: int = 0) -> LoadedModel:
    """A tiny random model of tests/fixtures/<arch>.json, loaded as the builder loads any model."""
    return random_model(register(arch), seed=seed)


def tiny_resnet_with_live_blocks(seed: int = 0) -> LoadedModel:
    """tiny-rn with every bottleneck's last BatchNorm set to 1: open_clip zero-inits them, so a
    random ResNet would pass only its skip connections."""
    lm = tiny_model("tiny-rn", seed)
    with torch.no_grad():
        for name, p in lm.model.visual.named_parameters():
            if name.endswith("bn3.weight"):
                p.fill_(1.0)
    return lm


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


@contextlib.contextmanager
def threads(n: int):
    """Run with n torch threads. Tiny models run fastest on one; on a shared, loaded CPU two
    threads can be 20x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# -- datasets --------------------------------------------------------------------------------------

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 60, 220)}


def write_colour_dataset(root: Path, n: int = 30, seed: int = 0) -> Path:
    """n solid-colour images with noise and two captions each; returns the manifest path."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        name = list(COLOURS)[i % 3]
        h, w = rng.integers(24, 80, size=2)
        arr = np.clip(np.array(COLOURS[name]) + rng.integers(-30, 30, (h, w, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(arr).save(root / "images" / f"{i:03d}.png")
        lines.append(json.dumps({"id": f"item{i}", "image": f"images/{i:03d}.png",
                                 "captions": [f"a {name} square", f"something {name}"], "labels": {"colour": name}}))
    manifest = root / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def write_tagged_dataset(root: Path, n: int, tags: int, seed: int = 0) -> Path:
    """n small images in `tags` hues, as a manifest with two label fields: "tag" (tag-00 ..,
    image i has tag i % tags) and "group" (warm / cool; every fifth image has none).
    Returns the manifest path."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        t = i % tags
        hue = np.array([np.cos(t * 2.4), np.cos(t * 2.4 + 2.1), np.cos(t * 2.4 + 4.2)]) * 100 + 128
        arr = np.clip(hue + rng.integers(-20, 20, (32, 32, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(arr).save(root / "images" / f"{i:04d}.png")
        labels = {"tag": f"tag-{t:02d}"}
        if i % 5:
            labels["group"] = "warm" if t % 2 else "cool"
        lines.append(json.dumps({"id": f"img{i}", "image": f"images/{i:04d}.png",
                                 "captions": [f"picture {i} of tag {t}", f"tag {t} image"], "labels": labels}))
    manifest = root / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


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


SHAPE_COLOURS = {"red": (220, 20, 30), "blue": (20, 50, 220), "green": (20, 160, 40)}
SHAPES = ("square", "circle")
HOSTILE = '<img src=x onerror=alert(1)> **bold** [link](http://evil.example/)'


def write_shapes(root: Path, n: int = 12) -> Path:
    """n 48-px images: one coloured shape on grey, a box, labels colour/shape; every third has a
    written word (one hostile caption and word to check escaping)."""
    (root / "img").mkdir(parents=True)
    rng = np.random.default_rng(0)
    lines = []
    for i in range(n):
        colour, shape = list(SHAPE_COLOURS)[i % 3], SHAPES[(i // 3) % 2]
        img = Image.new("RGB", (48, 48), (128, 128, 128))
        d = ImageDraw.Draw(img)
        x0, y0 = (int(v) for v in rng.integers(2, 24, 2))
        (d.rectangle if shape == "square" else d.ellipse)([x0, y0, x0 + 20, y0 + 20], fill=SHAPE_COLOURS[colour])
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


# -- analysis contexts -----------------------------------------------------------------------------

class _Bar:
    def update(self, n=1):
        pass


def _progress(total, desc):
    return contextlib.nullcontext(_Bar())


@torch.no_grad()
def tiny_context(root: Path, lm: LoadedModel, records: list[Record] | Collection, config: dict | None = None,
                 log=None) -> AnalysisContext:
    """An AnalysisContext over `records` (or a Collection), embedded by the real encoders of `lm`."""
    from builder.analyses.support import load_pixels
    from builder.compute.embed import encode_image_batch, encode_texts

    col = records if isinstance(records, Collection) else Collection("tiny", records, [], len(records))
    recs = col.records
    x, _, _, _ = load_pixels(recs, range(len(recs)), lm.preprocess)
    img = encode_image_batch(lm.model, x, lm.device)
    captions = [c for r in recs for c in r.captions]
    txt = encode_texts(lm.model, lm.tokenizer, captions, lm.device)
    cap_img = np.array([i for i, r in enumerate(recs) for _ in r.captions], dtype=np.uint32)
    return AnalysisContext(from_dict(config or {}), col, lm, img, txt, captions, cap_img, Cache(root / "cache"),
                           _progress, log or (lambda s: None))


def make_ctx(tmp_path: Path, vision: dict, size: int, **saliency) -> AnalysisContext:
    """A saliency context: tiny_clip(**vision) at `size` px over write_shapes (no caption embeddings)."""
    from builder.compute.embed import encode_image_batch
    from builder.datasets.manifest import collect_manifest
    from builder.io.images import load_rgb

    model = tiny_clip(**vision)
    preprocess = open_clip.image_transform(size, is_train=False)
    tok = open_clip.get_tokenizer("ViT-B-32", context_length=16)
    lm = LoadedModel(ModelSpec("tiny", "tiny", "random"), model, preprocess, tok, torch.device("cpu"), "tiny-" + str(size))
    col = collect_manifest(write_shapes(tmp_path / "ds"), "shapes")
    imgs = torch.stack([preprocess(load_rgb(r.image)) for r in col.records])
    cfg = from_dict({"dataset": {"kind": "manifest", "path": "x", "name": "shapes"},
                     "saliency": {"enabled": True, "images": 6, "word_images": 3, "eval_images": 8,
                                  "deletion_steps": 4, "image_px": 48, **saliency}})
    logs = []
    return AnalysisContext(cfg, col, lm, encode_image_batch(model, imgs, lm.device), np.zeros((0, 24), np.float32),
                           [], np.zeros(0, np.uint32), Cache(tmp_path / "cache"), None, logs.append)


def neuron_context(tmp_path, lm, neurons: dict):
    """A neurons context over 9 colour images whose first item carries markup in a caption and a
    label (untrusted text that must stay text)."""
    from builder.datasets.manifest import collect_manifest

    manifest = write_colour_dataset(tmp_path / "ds", n=9)
    lines = manifest.read_text().splitlines()
    first = json.loads(lines[0])
    first["captions"] = ["<img src=x onerror=alert(1)> **bold** [link](http://evil.example)"]
    first["labels"] = {"colour": "<b>red</b>"}
    lines[0] = json.dumps(first)
    manifest.write_text("\n".join(lines) + "\n")
    return tiny_context(tmp_path, lm, collect_manifest(manifest, "tiny"),
                        {"dataset": {"kind": "manifest", "path": str(manifest), "name": "tiny"},
                         "embed": {"workers": 0, "batch_size": 4}, "neurons": {"enabled": True, **neurons}})


# -- a sample build report and its docs site --------------------------------------------------------

CONTENT = Path(__file__).resolve().parents[1] / "content"
REPORT_HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '{: onclick="alert(1)"}',
    "[click](javascript:alert(1))",
    "<https://evil.example/x.js>",
    "a | b || c",
    "`code` **bold** _em_ ~~del~~ # not a heading",
    "&lt;already escaped&gt; &amp; &#60;",
    "back\\slash \\<b\\>",
    "line one\nline two\n\n# heading\n- item",
    "<!-- comment --> <![CDATA[x]]> <?php ?>",
    "' \" > <",
]
SCRIPT = REPORT_HOSTILE[0]
IMG = REPORT_HOSTILE[1]


def sample_report() -> dict:
    h = " ".join(REPORT_HOSTILE[:2])
    return {
        "schema_version": 1,
        "config": {
            "dataset": {"kind": "manifest", "path": "/data/" + h, "name": "web", "limit": 0, "seed": 0,
                        "size": 500},
            "model": {"name": "ViT-B-32/openai", "arch": "", "pretrained": "", "checkpoint": h},
            "embed": {"batch_size": 64, "workers": 2, "device": "auto"},
            "projection": {"n_neighbors": 15, "min_dist": 0.1, "seed": 0},
            "local": {"k": 30, "rows_per_shard": 256},
            "cluster": {"n_clusters": 12, "seed": 0},
            "site": {"title": "CLIP Atlas", "thumb_size": 64},
            "strict": False,
        },
        "model": {"name": "ViT-B-32/openai", "arch": "ViT-B-32-quickgelu", "weights_source": "openai",
                  "embed_dim": 512, "image_size": 224, "params": 151_277_313},
        "dataset": {
            "name": "web " + h,
            "description": h,
            "counts": {"read": 510, "used": 500, "skipped": 10, "repaired": 3, "captions": 2500},
            "labels": {"shape": {"circle": 200, "square": 150, IMG: 150}, SCRIPT: {"a": 3, "b": 1}},
        },
        "stages": [{"name": "embed", "seconds": 12.3, "cached": False},
                   {"name": SCRIPT, "seconds": 0.4, "cached": True}],
        "issues": [{"id": s, "source": "/data/" + s, "action": "skipped", "reason": s} for s in REPORT_HOSTILE],
        "metrics": {
            "retrieval": {"i2t@1": 0.41, "i2t@5": 0.7, "i2t@10": 0.8, "t2i@1": 0.3, "t2i@5": 0.6,
                          "t2i@10": 0.72},
            "zero_shot": {"shape": {"accuracy": 0.93, "classes": 8, "rule": "mean"},
                          SCRIPT: {"accuracy": 0.5, "classes": 2, "rule": "mean"}},
            "umap_trustworthiness": {"value": 0.951, "k": 15, "sample": 3000},
            "modality_gap": {"centroid_distance": 0.81, IMG: 1},
        },
        "published": {"i2t@1": 0.5, "source": "CLIP paper " + IMG},
    }


EXTRA = {
    "saliency/index.md": "# Saliency\n\nWhere a prompt looks.\n",
    "saliency/prefixes.md": "# Prompt prefixes\n\nBack to [saliency](index.md).\n",
    "neurons/index.md": "# Neurons\n\nGalleries.\n",
}


def write_docs(out: Path, content_dir: Path, generated: dict, title: str, **kw) -> None:
    """Render the docs and write them into `out` through the one writer, as a build does."""
    from builder.io.writer import SiteWriter
    from builder.render.docs import render_docs

    writer = SiteWriter()
    writer.add_files(render_docs(content_dir, generated, title, **kw))
    writer.write(out)


def analysis_data(name: str, out) -> dict[str, bytes]:
    """An AnalysisOutput's files under data/<dataset>/<name>/ as a build writes them: its files,
    and its buffers (checked against the contract) as <buffer>.bin."""
    from builder import contract
    from builder.io.artifacts import DatasetArtifacts, le_bytes

    DatasetArtifacts("t").add_analysis_buffers(name, out.buffers, out.counts)  # names checked
    specs = contract.ANALYSIS_BUFFERS.get(name, {})
    return {**out.files, **{f"{b}.bin": le_bytes(a, specs[b].dtype) for b, a in out.buffers.items()}}


def build_sample_docs(out: Path) -> Path:
    """The docs site of sample_report() (hostile text included) with the repository's content/
    pages and an explorer stub, built by MkDocs into `out`."""
    from builder.render.docs import SITE_SCRIPTS
    from builder.render.pages import report_pages
    from builder.render.site import page_assets

    (out / "explorer").mkdir(parents=True)
    (out / "explorer" / "index.html").write_text("<!doctype html><title>explorer stub</title>")
    generated = {**report_pages(sample_report()), **EXTRA, **page_assets(SITE_SCRIPTS)}  # as a build does
    write_docs(out, CONTENT, generated, title="CLIP Atlas <b>&</b>")
    return out
