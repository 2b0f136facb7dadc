"""World 2 of the demo world: the signals from which CLIP's behaviours can emerge in training.

    render_item(seed, index, image_size=128, *, word=None) -> (PIL image, meta)

What world 1 (builder/datasets/demo.py) lacks, and world 2 adds:
- written words in three sizes (WORD_SIZES), anywhere in the image clear of the object, with their
  box; a caption mentions the word only sometimes (WORD_MENTION), as web captions do; a shape word
  usually names the drawn shape (LABEL_RATE: a label, as text in web images often names what they
  show), otherwise any shape;
- synonyms in captions (CAPTION_SYNONYMS: two per value, the first being demo.SYNONYMS, which the
  zero-shot label prompts never use), prefixes ("a photo of" ...) and more sentence shapes;
- background and position named in most items' captions;
- non-square images (4:3 and 3:4): the object and the word lie in the centred square, so a centre
  crop keeps them and the position label (a 3 x 3 grid) is measured in that square.
Deterministic per (seed, index). Nothing here decides an outcome: the model has to learn it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from builder.datasets.demo import (
    ATTRIBUTES, COLOUR_JITTER, COLOUR_RGB, OTHER_WORDS, PREFIXES, SIZE_RADIUS, SYNONYMS, _POSITION_PHRASE, _article,
    _background, _font, _pick, _position_label, _shape_xy,
)

WORLD = 2
VERSION = 2  # bump when world 2's rendering changes

WORD_RATE = 0.35
LABEL_RATE = 0.75  # share of shape words that name the drawn shape: pictures are often labelled with what they show
WORD_MENTION = 0.6  # share of a word item's captions that mention the word
WORD_SIZES = {"small": (14, 17), "medium": (20, 24), "large": (28, 33)}  # font px at image_size 128
SYNONYM_RATE = 0.3  # share of attribute mentions written with a synonym
PREFIX_RATE = 0.3
ASPECTS = (("1:1", 0.6), ("4:3", 0.2), ("3:4", 0.2))

_SECOND = {
    "colour": {"red": "scarlet", "orange": "tangerine", "yellow": "lemon", "green": "lime", "cyan": "aqua",
               "blue": "cobalt", "purple": "lilac", "pink": "magenta"},
    "shape": {"circle": "round", "square": "block", "triangle": "pyramid", "star": "starburst", "cross": "x mark",
              "heart": "valentine", "diamond": "lozenge", "ring": "donut"},
    "size": {"small": "little", "medium": "average", "large": "huge"},
    "background": {"plain": "bare", "gradient": "shaded", "striped": "lined", "noisy": "speckled",
                   "checkered": "chessboard"},
    "position": {"top left": "towards the upper left", "top": "along the top", "top right": "towards the upper right",
                 "left": "to the left", "centre": "at the centre", "right": "to the right",
                 "bottom left": "towards the lower left", "bottom": "along the bottom",
                 "bottom right": "towards the lower right"},
}
CAPTION_SYNONYMS: dict[str, dict[str, tuple[str, str]]] = {
    a: {v: (SYNONYMS[a][v], _SECOND[a][v]) for v in ATTRIBUTES[a]} for a in ATTRIBUTES}

# Sentence shapes; every one names the colour and the shape. {A_x}: the article and word x.
_TEMPLATES = (
    "{A_colour} {shape}",
    "{A_size} {colour} {shape}",
    "{A_colour} {shape} on {A_bg} background",
    "{A_colour} {shape} {pos}",
    "{A_size} {colour} {shape} {pos} on {A_bg} background",
    "{A_shape} in {colour}, {pos}",
    "{A_size} {colour} {shape} on {A_bg} background",
    "{A_colour} {shape} {pos}, {bg} background",
    "there is {A_colour} {shape} {pos}",
    "{colour} {shape}, {size}, {bg} background, {pos}",
)
_WORD_SUFFIXES = (
    ' with the word "{word}" written on it',
    ' and the word "{word}"',
    ', the word "{word}" is written next to it',
    ' with "{word}" written beside it',
)


def _aspect_size(aspect: str, s: int) -> tuple[int, int]:
    long = round(s * 4 / 3)
    return {"1:1": (s, s), "4:3": (long, s), "3:4": (s, long)}[aspect]


def _place_word(draw, word: str, font_px: int, stroke: int, obj: tuple[float, float, float, float], s: int,
                rng: np.random.Generator) -> tuple[float, float, list[float]] | None:
    """A place for the word inside the s x s square, clear of the object's box (2 px apart):
    (x, y, [x0, y0, x1, y1] of its ink in square pixels), or None when none of 40 tries fits."""
    font = _font(font_px)
    bx0, by0, bx1, by1 = draw.textbbox((0, 0), word, font=font, stroke_width=stroke)
    tw, th = bx1 - bx0, by1 - by0
    if tw > s - 4 or th > s - 4:
        return None
    ox0, oy0, ox1, oy1 = obj
    for _ in range(40):
        x0, y0 = rng.uniform(2, s - 2 - tw), rng.uniform(2, s - 2 - th)
        if x0 + tw + 2 < ox0 or ox1 + 2 < x0 or y0 + th + 2 < oy0 or oy1 + 2 < y0:
            return x0 - bx0, y0 - by0, [x0, y0, x0 + tw, y0 + th]
    return None


def render_item(seed: int, index: int, image_size: int = 128, *, word: str | None = None) -> tuple[Image.Image, dict]:
    """Render item `index` of world 2 with generator seed `seed`.

    Returns (RGB image, meta): id, captions (2), labels ({attribute: value}), box (the object's
    [x0, y0, x1, y1] as fractions of the whole image), word ("" if none), word_box (the word's ink
    box, fractions of the image, or None), word_size ("small" | "medium" | "large" | ""), aspect
    ("1:1" | "4:3" | "3:4"), world (2). `word` forces a written word ("" forces none; None lets the
    item decide); a forced word too big for the free space is drawn smaller (word_size says so).
    """
    rng = np.random.default_rng([seed, index, WORLD, VERSION])
    s = image_size
    k = s / 128.0
    labels = {a: _pick(rng, ATTRIBUTES[a]) for a in ("shape", "colour", "size", "background")}
    aspect = ASPECTS[int(rng.choice(len(ASPECTS), p=[p for _, p in ASPECTS]))][0]
    has_word = rng.random() < WORD_RATE
    group = rng.choice(3, p=[0.4, 0.3, 0.3])
    drawn_word = _pick(rng, (ATTRIBUTES["shape"], ATTRIBUTES["colour"], OTHER_WORDS)[group])
    if group == 0 and rng.random() < LABEL_RATE:
        drawn_word = labels["shape"]
    if word is None:
        word = drawn_word if has_word else ""
    size_name = _pick(rng, tuple(WORD_SIZES))
    font_px = int(round(rng.integers(*WORD_SIZES[size_name]) * k))
    r = rng.uniform(*SIZE_RADIUS[labels["size"]]) * k
    ux, uy = rng.random(2)
    rgb = np.clip(np.array(COLOUR_RGB[labels["colour"]]) + rng.integers(-COLOUR_JITTER, COLOUR_JITTER + 1, 3), 0, 255)
    width, height = _aspect_size(aspect, s)
    ox, oy = (width - s) // 2, (height - s) // 2  # the centred square
    side = -(-max(width, height) // 4) * 4  # the noisy background is made in 4-px cells
    bg = _background(labels["background"], rng, side)[:height, :width]

    margin = 2 * k
    cx = r + margin + ux * (s - 2 * r - 2 * margin)
    cy = r + margin + uy * (s - 2 * r - 2 * margin)
    img = Image.fromarray(np.ascontiguousarray(bg), "RGB")
    draw = ImageDraw.Draw(img)
    fill = tuple(int(v) for v in rgb)
    shape = labels["shape"]
    X, Y = ox + cx, oy + cy
    if shape in ("circle", "ring"):
        draw.ellipse([X - r, Y - r, X + r, Y + r], fill=fill)
        if shape == "ring":
            h = 0.55 * r
            mask = Image.new("L", (width, height), 0)
            ImageDraw.Draw(mask).ellipse([X - h, Y - h, X + h, Y + h], fill=255)
            img.paste(Image.fromarray(np.ascontiguousarray(bg), "RGB"), (0, 0), mask)
    else:
        draw.polygon(_shape_xy(shape, X, Y, r), fill=fill)
    ys, xs = np.nonzero(np.any(np.asarray(img) != bg, axis=2))
    box_px = [float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)]
    labels["position"] = _position_label((box_px[0] + box_px[2]) / 2 - ox, (box_px[1] + box_px[3]) / 2 - oy, s)

    word_box, word_size = None, ""
    if word:
        stroke = max(1, int(2 * k))
        obj_sq = (box_px[0] - ox, box_px[1] - oy, box_px[2] - ox, box_px[3] - oy)
        sizes = list(WORD_SIZES)
        for name in sizes[sizes.index(size_name)::-1]:  # smaller when the free space is too small
            px = font_px if name == size_name else int(round(WORD_SIZES[name][0] * k))
            spot = _place_word(draw, word, px, stroke, obj_sq, s, rng)
            if spot:
                tx, ty, ink = spot
                break
        else:
            spot = None
        if spot is None:
            word = ""
        else:
            dark = bg[oy:oy + s, ox:ox + s].mean() > 128
            draw.text((ox + tx, oy + ty), word, font=_font(px), fill=(0, 0, 0) if dark else (255, 255, 255),
                      stroke_width=stroke, stroke_fill=(255, 255, 255) if dark else (0, 0, 0))
            word_box = [(ox + ink[0]) / width, (oy + ink[1]) / height, (ox + ink[2]) / width, (oy + ink[3]) / height]
            word_size = name

    captions = [_caption(rng, labels, word) for _ in range(2)]
    box = [box_px[0] / width, box_px[1] / height, box_px[2] / width, box_px[3] / height]
    meta = {"id": f"demo2-{seed}-{index:06d}", "captions": captions, "labels": labels, "box": box, "word": word,
            "word_box": word_box, "word_size": word_size, "aspect": aspect, "world": WORLD}
    return img, meta


def _say(rng: np.random.Generator, attribute: str, value: str) -> str:
    """The value as a caption writes it: its own word, or now and then one of its synonyms."""
    if rng.random() < SYNONYM_RATE:
        return CAPTION_SYNONYMS[attribute][value][int(rng.integers(2))]
    return _POSITION_PHRASE[value] if attribute == "position" else value


def _caption(rng: np.random.Generator, labels: dict, word: str) -> str:
    said = {a: _say(rng, a, labels[a]) for a in ATTRIBUTES}
    fields = {"colour": said["colour"], "shape": said["shape"], "size": said["size"], "bg": said["background"],
              "pos": said["position"]}
    fields.update({f"A_{key}": f"{_article(fields[key])} {fields[key]}" for key in ("colour", "size", "shape", "bg")})
    text = _TEMPLATES[int(rng.integers(len(_TEMPLATES)))].format(**fields)
    if word and rng.random() < WORD_MENTION:
        text += _WORD_SUFFIXES[int(rng.integers(len(_WORD_SUFFIXES)))].format(word=word)
    if rng.random() < PREFIX_RATE and not text.startswith("there is"):  # prefixes go before a noun phrase
        text = f"{_pick(rng, PREFIXES)} {text}"
    return text
