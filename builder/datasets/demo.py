"""The demo world: a deterministic procedural image–caption dataset.

Each item is one coloured shape (8 shapes x 8 colours x 3 sizes) at some position on one of five
background kinds; about 20% also carry a written word, drawn large in black or white, away from
the object. Everything about item `index` of seed `seed` follows from `(seed, index)` alone.

    render_item(seed, index)  -> (PIL image, meta)      pure, no I/O
    label_prompts()           -> zero-shot prompts per attribute and value
    materialise(root, size)   -> root/manifest.jsonl    the one writer (images + manifest)

Seeds: the site's default dataset uses seed 0; the demo model trains on seed 1 and is evaluated
on seed 2, so the quality it reports is held out.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

VERSION = 1  # bump when rendering changes: it invalidates materialised datasets

ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "shape": ("circle", "square", "triangle", "star", "cross", "heart", "diamond", "ring"),
    "colour": ("red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink"),
    "size": ("small", "medium", "large"),
    "background": ("plain", "gradient", "striped", "noisy", "checkered"),
    "position": (
        "top left", "top", "top right", "left", "centre", "right", "bottom left", "bottom", "bottom right",
    ),
}

# Saturated object colours; backgrounds are muted (channel spread <= 40), so an object colour
# never occurs in a background and the object's pixels can be found by colour.
COLOUR_RGB: dict[str, tuple[int, int, int]] = {
    "red": (220, 20, 30), "orange": (255, 130, 0), "yellow": (245, 215, 0), "green": (20, 160, 40),
    "cyan": (0, 190, 210), "blue": (20, 50, 220), "purple": (130, 30, 180), "pink": (255, 100, 190),
}
COLOUR_JITTER = 10  # per channel, uniform in [-10, 10]

# Half-extent of the object in pixels at image_size 128, per size.
SIZE_RADIUS = {"small": (10, 14), "medium": (19, 24), "large": (30, 37)}

OTHER_WORDS = ("atlas", "hello", "apple", "dog", "cat", "sun", "tree", "fish")
WRITTEN_WORDS = ATTRIBUTES["shape"] + ATTRIBUTES["colour"] + OTHER_WORDS  # every word either world may write
WORD_RATE = 0.2

_POSITION_PHRASE = {
    "top left": "in the top left", "top": "at the top", "top right": "in the top right",
    "left": "on the left", "centre": "in the centre", "right": "on the right",
    "bottom left": "in the bottom left", "bottom": "at the bottom", "bottom right": "in the bottom right",
}

# Prefixes a prompt or (world 2) a caption may start with.
PREFIXES = ("a photo of", "an image of", "a drawing of")

# Words that captions never use, for measuring whether a model treats a description it was not
# taught like the label it was ("descriptions are not labels"): each value's held-out synonym.
SYNONYMS: dict[str, dict[str, str]] = {
    "colour": {"red": "crimson", "orange": "amber", "yellow": "golden", "green": "emerald", "cyan": "turquoise",
               "blue": "azure", "purple": "violet", "pink": "rose"},
    "shape": {"circle": "disc", "square": "box", "triangle": "wedge", "star": "pentagram", "cross": "plus sign",
              "heart": "love heart", "diamond": "rhombus", "ring": "hoop"},
    "size": {"small": "tiny", "medium": "mid-sized", "large": "big"},
    "background": {"plain": "blank", "gradient": "fading", "striped": "stripy", "noisy": "grainy",
                   "checkered": "chequered"},
    "position": {"top left": "in the upper left", "top": "near the top", "top right": "in the upper right",
                 "left": "at the left", "centre": "in the middle", "right": "at the right",
                 "bottom left": "in the lower left", "bottom": "near the bottom", "bottom right": "in the lower right"},
}

# Caption templates; both captions of an item are different templates. Fields: {a} article +
# colour, {shape}, {size}, {bg}, {pos}.
_TEMPLATES = (
    "{a_colour} {colour} {shape}",
    "{a_size} {size} {colour} {shape}",
    "{a_colour} {colour} {shape} on a {bg} background",
    "{a_colour} {colour} {shape} {pos}",
    "a picture of {a_colour} {colour} {shape}",
    "{a_size} {size} {colour} {shape} {pos}",
    "{a_shape} {shape} in {colour}",
    "a drawing of {a_size} {size} {colour} {shape} on a {bg} background",
    "{colour} {shape}, {size}, {bg} background",
    "there is {a_colour} {colour} {shape} {pos}",
)
_WORD_SUFFIXES = (
    ' with the word "{word}" written on it',
    ' and the word "{word}"',
    ', the word "{word}" is written next to it',
)


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _muted(rng: np.random.Generator) -> np.ndarray:
    """A low-saturation colour: a grey level with a small tint (channel spread <= 40)."""
    grey = rng.integers(45, 215)
    return np.clip(grey + rng.integers(-20, 21, size=3), 0, 255)


def _background(kind: str, rng: np.random.Generator, s: int) -> np.ndarray:
    """uint8[s, s, 3] background of the given kind."""
    a, b = _muted(rng), _muted(rng)
    if np.abs(a.astype(int) - b).sum() < 90:  # make patterns visible: push b away from a
        b = np.clip(255 - a + rng.integers(-20, 21, size=3), 0, 255)
        b = b.mean() + np.clip(b - b.mean(), -20, 20)
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float32) / s
    if kind == "plain":
        img = np.broadcast_to(a, (s, s, 3)).astype(np.float32)
    elif kind == "gradient":
        t = rng.uniform(0, 2 * np.pi)
        u = np.cos(t) * xx + np.sin(t) * yy
        u = (u - u.min()) / max(u.max() - u.min(), 1e-6)
        img = a[None, None] * (1 - u[..., None]) + b[None, None] * u[..., None]
    elif kind == "striped":
        period = rng.integers(10, 22) / s
        t = rng.choice([0.0, np.pi / 2, np.pi / 4, 3 * np.pi / 4])
        u = np.cos(t) * xx + np.sin(t) * yy
        img = np.where(((u / period) % 1.0 < 0.5)[..., None], a, b).astype(np.float32)
    elif kind == "checkered":
        cell = rng.integers(10, 20) / s
        m = ((xx // cell + yy // cell) % 2 == 0)[..., None]
        img = np.where(m, a, b).astype(np.float32)
    elif kind == "noisy":
        coarse = rng.normal(0, 1, size=(s // 4, s // 4)).astype(np.float32)
        coarse = np.kron(coarse, np.ones((4, 4), np.float32))
        fine = rng.normal(0, 1, size=(s, s)).astype(np.float32)
        img = a[None, None] + (14 * coarse + 10 * fine)[..., None]  # grey noise: spread unchanged
    else:
        raise ValueError(f"unknown background {kind!r}; allowed: {ATTRIBUTES['background']}")
    return np.clip(img, 0, 255).astype(np.uint8)


def _shape_xy(shape: str, cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    """Polygon vertices of `shape` centred at (cx, cy) with half-extent r (not for circle/ring)."""
    if shape == "square":
        k = 0.85 * r
        pts = [(-k, -k), (k, -k), (k, k), (-k, k)]
    elif shape == "diamond":
        pts = [(0, -r), (0.8 * r, 0), (0, r), (-0.8 * r, 0)]
    elif shape == "triangle":
        pts = [(0, -r), (r, 0.8 * r), (-r, 0.8 * r)]
    elif shape == "star":
        ang = -np.pi / 2 + np.arange(10) * np.pi / 5
        rad = np.where(np.arange(10) % 2 == 0, r, 0.42 * r)
        pts = list(zip(rad * np.cos(ang), rad * np.sin(ang)))
    elif shape == "cross":
        k = 0.32 * r
        pts = [(-k, -r), (k, -r), (k, -k), (r, -k), (r, k), (k, k), (k, r), (-k, r), (-k, k),
               (-r, k), (-r, -k), (-k, -k)]
    elif shape == "heart":
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        x = 16 * np.sin(t) ** 3
        y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        x, y = x / 17 * r, (y + 2.5) / 15.5 * r
        pts = list(zip(x, y))
    else:
        raise ValueError(f"unknown shape {shape!r}; allowed: {ATTRIBUTES['shape']}")
    return [(cx + float(x), cy + float(y)) for x, y in pts]


def _position_label(cx: float, cy: float, s: int) -> str:
    col = min(int(3 * cx / s), 2)
    row = min(int(3 * cy / s), 2)
    return ATTRIBUTES["position"][3 * row + col]


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def render_item(seed: int, index: int, image_size: int = 128, *, word: str | None = None) -> tuple[Image.Image, dict]:
    """Render item `index` of the demo world with generator seed `seed`.

    Returns (RGB image of image_size x image_size, meta) where meta has: id, captions (2 strings
    naming colour and shape, and the word if any), labels ({attribute: value} for every key of
    ATTRIBUTES), box ([x0, y0, x1, y1] of the object as fractions of the image) and word ("" if
    none). `word` forces a written word ("" forces none; None lets the item decide); every other
    attribute is unchanged by it.
    """
    rng = np.random.default_rng([seed, index, VERSION])
    s = image_size
    k = s / 128.0
    labels = {a: _pick(rng, ATTRIBUTES[a]) for a in ("shape", "colour", "size", "background")}
    has_word = rng.random() < WORD_RATE
    group = rng.integers(3)
    pool = (ATTRIBUTES["colour"], ATTRIBUTES["shape"], OTHER_WORDS)[group]
    drawn_word = _pick(rng, pool)
    if word is None:
        word = drawn_word if has_word else ""
    band_top = bool(rng.integers(2))
    font_px = int(round(rng.integers(28, 33) * k))
    r = rng.uniform(*SIZE_RADIUS[labels["size"]]) * k
    ux, uy, ut = rng.random(3)
    rgb = np.clip(np.array(COLOUR_RGB[labels["colour"]]) + rng.integers(-COLOUR_JITTER, COLOUR_JITTER + 1, 3), 0, 255)
    bg = _background(labels["background"], rng, s)
    templates = rng.choice(len(_TEMPLATES), size=2, replace=False)
    suffixes = rng.integers(len(_WORD_SUFFIXES), size=2)

    # Layout: the object's centre anywhere it fits; with a word, the word takes a horizontal band
    # at the top or bottom and the object goes in the rest.
    margin = 2 * k
    y_lo, y_hi = r + margin, s - r - margin
    if word:
        band = font_px * 1.25
        if band_top:
            y_lo = max(y_lo, band + r)
        else:
            y_hi = min(y_hi, s - band - r)
        y_lo, y_hi = min(y_lo, y_hi), max(y_lo, y_hi)
    cx = r + margin + ux * (s - 2 * r - 2 * margin)
    cy = y_lo + uy * (y_hi - y_lo)

    img = Image.fromarray(bg, "RGB")
    draw = ImageDraw.Draw(img)
    fill = tuple(int(v) for v in rgb)
    shape = labels["shape"]
    if shape in ("circle", "ring"):
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
        if shape == "ring":
            h = 0.55 * r
            ring_hole = Image.fromarray(bg, "RGB")
            mask = Image.new("L", (s, s), 0)
            ImageDraw.Draw(mask).ellipse([cx - h, cy - h, cx + h, cy + h], fill=255)
            img.paste(ring_hole, (0, 0), mask)
    else:
        draw.polygon(_shape_xy(shape, cx, cy, r), fill=fill)
    obj = np.any(np.asarray(img) != bg, axis=2)
    ys, xs = np.nonzero(obj)
    box = [float(xs.min()) / s, float(ys.min()) / s, float(xs.max() + 1) / s, float(ys.max() + 1) / s]
    labels["position"] = _position_label((xs.min() + xs.max() + 1) / 2, (ys.min() + ys.max() + 1) / 2, s)

    if word:
        font = _font(font_px)
        x0, y0, x1, y1 = draw.textbbox((0, 0), word, font=font, stroke_width=max(1, int(2 * k)))
        tw, th = x1 - x0, y1 - y0
        tx = (s - tw) * (0.2 + 0.6 * ut) - x0
        ty = (0.1 * font_px if band_top else s - th - 0.15 * font_px) - y0
        dark = bg.mean() > 128
        draw.text((tx, ty), word, font=font, fill=(0, 0, 0) if dark else (255, 255, 255),
                  stroke_width=max(1, int(2 * k)), stroke_fill=(255, 255, 255) if dark else (0, 0, 0))

    fields = {
        "colour": labels["colour"], "shape": shape, "size": labels["size"], "bg": labels["background"],
        "pos": _POSITION_PHRASE[labels["position"]], "a_colour": _article(labels["colour"]),
        "a_size": _article(labels["size"]), "a_shape": _article(shape),
    }
    captions = []
    for t, suf in zip(templates, suffixes):
        c = _TEMPLATES[int(t)].format(**fields)
        if word:
            c += _WORD_SUFFIXES[int(suf)].format(word=word)
        captions.append(c)
    meta = {"id": f"demo-{seed}-{index:06d}", "captions": captions, "labels": labels, "box": box, "word": word}
    return img, meta


def world_renderer(world: int = 1):
    """render_item of demo world `world`: 1 (this module, the default) or 2 (demo_world2: words,
    synonyms, prefixes and non-square images for the behaviours of issue #16)."""
    if world == 1:
        return render_item
    if world == 2:
        from builder.datasets.demo_world2 import render_item as render2

        return render2
    raise ValueError(f"unknown demo world {world!r}: 1 or 2")


# The prompts below enumerate sub-classes ("a red star" ... "a pink star" for "star"), so a class
# scores as its best prompt, not as the mean of their embeddings (compute.metrics.zero_shot_scores).
PROMPT_RULE = "max"


def label_prompts(synonyms: bool = False) -> dict[str, dict[str, list[str]]]:
    """Zero-shot prompts: {attribute: {value: [prompt, ...]}} for every attribute in ATTRIBUTES.

    Each value gets a few generic prompts plus an ensemble over the shapes (or, for shape, over
    the colours), so that the class embedding averages out the other attribute. `synonyms`: each
    value is written as its held-out synonym (SYNONYMS) instead, the other words unchanged.
    """
    shapes, colours = ATTRIBUTES["shape"], ATTRIBUTES["colour"]

    def say(attribute: str, value: str) -> str:
        if synonyms:
            return SYNONYMS[attribute][value]
        return _POSITION_PHRASE[value] if attribute == "position" else value

    out: dict[str, dict[str, list[str]]] = {}
    out["colour"] = {}
    for c in colours:
        w = say("colour", c)
        out["colour"][c] = [f"{_article(w)} {w} shape", f"something {w}", f"{_article(w)} {w} object"] + [
            f"{_article(w)} {w} {s}" for s in shapes]
    out["shape"] = {}
    for s in shapes:
        w = say("shape", s)
        out["shape"][s] = [f"{_article(w)} {w}", f"{_article(w)} {w} shape", f"a drawing of {_article(w)} {w}"] + [
            f"{_article(c)} {c} {w}" for c in colours]
    out["size"] = {}
    for z in ATTRIBUTES["size"]:
        w = say("size", z)
        out["size"][z] = [f"{_article(w)} {w} shape", f"{_article(w)} {w} object"] + [f"{_article(w)} {w} {s}" for s in shapes]
    out["background"] = {}
    for b in ATTRIBUTES["background"]:
        w = say("background", b)
        out["background"][b] = [f"a shape on a {w} background", f"a {w} background"] + [
            f"{_article(s)} {s} on a {w} background" for s in shapes]
    out["position"] = {}
    for p in ATTRIBUTES["position"]:
        w = say("position", p)
        out["position"][p] = [f"a shape {w}"] + [f"{_article(s)} {s} {w}" for s in shapes]
    return out


def _write_one(args: tuple[Path, int, int, int, int]) -> dict:
    """Render one item of world `world`, write its PNG atomically (unless already there), return
    its manifest row (world 2's word box, word size and aspect go into extra)."""
    root, seed, index, image_size, world = args
    img, meta = world_renderer(world)(seed, index, image_size)
    rel = f"images/{meta['id']}.png"
    path = root / rel
    if not path.is_file():
        tmp = path.with_name(path.name + ".tmp")
        img.save(tmp, format="PNG", optimize=False)
        os.replace(tmp, path)
    return {"id": meta["id"], "image": rel, "captions": meta["captions"], "labels": meta["labels"],
            "box": meta["box"], "extra": {"word": meta["word"], **{k: meta[k] for k in _WORLD2_EXTRA if k in meta}}}


_WORLD2_EXTRA = ("word_box", "word_size", "aspect")


def materialise(root: Path, size: int = 5000, seed: int = 0, image_size: int = 128, workers: int = 0,
                progress: bool = True, world: int = 1) -> Path:
    """Write `size` items of `seed` of demo world `world` under `root`; returns root/manifest.jsonl.

    Writes root/images/<id>.png and root/manifest.jsonl (one JSON object per line: id, image
    (relative to root), captions, labels, box, extra.word; world 2 adds extra.word_box, word_size and
    aspect). Idempotent: a marker file records the
    parameters and a complete run is skipped. Images and manifest are written under temporary
    names and renamed, so an interrupted run never leaves a half-written file. `workers` > 1
    renders in that many processes (0: one process; on 2 cores the gain is small).
    """
    from builder.progress import progress_bar

    root = Path(root)
    manifest = root / "manifest.jsonl"
    marker, partial = root / ".demo-world.json", root / ".demo-world.partial.json"
    params = {"version": VERSION, "size": size, "seed": seed, "image_size": image_size}
    if world != 1:
        from builder.datasets import demo_world2

        params.update(world=world, world_version=demo_world2.VERSION)
    if manifest.is_file() and _read_json(marker) == params:
        return manifest
    marker.unlink(missing_ok=True)
    (root / "images").mkdir(parents=True, exist_ok=True)
    if _read_json(partial) != params:  # images on disk may come from other parameters: drop them
        for stale in (root / "images").glob("demo-*.png"):
            stale.unlink()
        partial.write_text(json.dumps(params))
    jobs = [(root, seed, i, image_size, world) for i in range(size)]
    bar = dict(total=size, desc=f"demo world seed {seed}", unit="img", progress=progress)
    if workers > 1:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(workers) as pool:
            rows = list(progress_bar(pool.imap(_write_one, jobs, chunksize=64), **bar))
    else:
        rows = [_write_one(j) for j in progress_bar(jobs, **bar)]
    tmp = manifest.with_name(manifest.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, manifest)
    marker.write_text(json.dumps(params))
    partial.unlink(missing_ok=True)
    return manifest


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
