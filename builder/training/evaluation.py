"""The demo model's behaviours on held-out items of the demo world, as `train-demo` records them
(pure compute: model in, figures out; the items are rendered here, nothing is written).

    synonym_accuracy(model, tokenizer, img, metas, canonical)  held-out synonym prompts vs canonical ones
    prefix_effects(model, tokenizer, img, metas)         "a photo of" ...: cosine and zero-shot change
    preprocessing_effects(model, preprocess, tokenizer, seed, n)
                                                         non-square images: crop vs squash vs pad
    sparsity_by_block(model, preprocess, images)         share of near-zero activations per block
    behaviours(model, preprocess, tokenizer, n, seed)    all of the above but synonyms, one dict
    format_table(metrics, attack, behaviours)            the figures as aligned text (train-demo prints it)

Each figure tests one insight the analysis pages describe (descriptions are not labels, prefixes
move the embedding, preprocessing matters, activations are sparse); none is hard-wired: they are
what the weights give on items neither training nor the site uses.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from builder.compute import embed
from builder.compute import robustness as R
from builder.compute.metrics import zero_shot_scores
from builder.datasets.demo import ATTRIBUTES, PREFIXES, PROMPT_RULE, _article, label_prompts, world_renderer
from builder.models.preprocessing import describe

SPARSITY_EPS = 0.05  # as [robustness] sparsity_eps: |a| under this counts as near zero


def encode_texts(model, tokenizer, texts: list[str]) -> np.ndarray:
    """Unit text embeddings float[N, D] (compute.embed.encode_texts on the model's device)."""
    return embed.encode_texts(model, tokenizer, texts, next(model.parameters()).device, batch_size=1000)


@torch.no_grad()
def encode_images(model, preprocess, images: list[Image.Image], batch: int = 250) -> np.ndarray:
    """PIL images through the model's own preprocessing -> unit image embeddings float[N, D]."""
    device = next(model.parameters()).device
    return np.concatenate([embed.encode_image_batch(model, torch.stack([preprocess(im) for im in images[s : s + batch]]), device)
                           for s in range(0, len(images), batch)])


def attribute_scores(model, tokenizer, attribute: str, synonyms: bool = False):
    """images float[I, D] -> float[I, V]: each value's zero-shot score from its label prompts
    (or their held-out synonyms), scored by the demo world's rule (PROMPT_RULE)."""
    prompts = label_prompts(synonyms)[attribute]
    values = ATTRIBUTES[attribute]
    texts = [p for v in values for p in prompts[v]]
    owner = np.array([i for i, v in enumerate(values) for _ in prompts[v]])
    emb = encode_texts(model, tokenizer, texts)
    return lambda img: zero_shot_scores(img, emb, owner, len(values), PROMPT_RULE)


def labels_of(metas: list[dict], attribute: str) -> np.ndarray:
    values = ATTRIBUTES[attribute]
    return np.array([values.index(m["labels"][attribute]) for m in metas])


def synonym_accuracy(model, tokenizer, img: np.ndarray, metas: list[dict], canonical: dict[str, float]) -> dict:
    """Per attribute: zero-shot accuracy with the held-out synonym prompts (demo.SYNONYMS: words the
    zero-shot label prompts never use), and that relative to `canonical` ({attribute: accuracy with
    the label prompts}, as evaluate measured it)."""
    out = {}
    for attribute in ATTRIBUTES:
        truth = labels_of(metas, attribute)
        canon = canonical[attribute]
        syn = float(np.mean(attribute_scores(model, tokenizer, attribute, synonyms=True)(img).argmax(1) == truth))
        out[f"synonym_zeroshot_{attribute}"] = syn
        out[f"synonym_relative_{attribute}"] = syn / canon if canon > 0 else 0.0
    return out


def prefix_effects(model, tokenizer, img: np.ndarray, metas: list[dict]) -> dict:
    """{"none" | prefix: {"cosine", "accuracy", "cosine_change", "accuracy_change"}}: the mean cosine
    between each image and the prompt naming its colour and shape ("a red star", "a photo of a red
    star", ...), and zero-shot accuracy over the 64 colour-shape prompts; changes against no prefix."""
    combos = [(c, s) for c in ATTRIBUTES["colour"] for s in ATTRIBUTES["shape"]]
    own = np.array([combos.index((m["labels"]["colour"], m["labels"]["shape"])) for m in metas])
    out = {}
    for prefix in ("none",) + PREFIXES:
        lead = "" if prefix == "none" else prefix + " "
        emb = encode_texts(model, tokenizer, [f"{lead}{_article(c)} {c} {s}" for c, s in combos])
        sims = img @ emb.T
        out[prefix] = {"cosine": float(np.mean(sims[np.arange(len(own)), own])),
                       "accuracy": float(np.mean(sims.argmax(1) == own))}
    for f in out.values():
        f["cosine_change"] = f["cosine"] - out["none"]["cosine"]
        f["accuracy_change"] = f["accuracy"] - out["none"]["accuracy"]
    return out


def non_square(img: Image.Image, index: int) -> Image.Image:
    """The square render widened to 4:3 (even index) or heightened to 3:4 (odd) by repeating its
    border pixels: the object stays in the centred square, so a centre crop gives the square back."""
    a = np.asarray(img)
    s = a.shape[0]
    extra = round(s * 4 / 3) - s
    pad = ((0, 0), (extra // 2, extra - extra // 2)) if index % 2 == 0 else ((extra // 2, extra - extra // 2), (0, 0))
    return Image.fromarray(np.pad(a, pad + ((0, 0),), mode="edge"))


def preprocessing_effects(model, preprocess, tokenizer, seed: int, n: int, world: int = 1) -> dict:
    """On n non-square images: for the model's own preprocessing (centre crop, "reference"),
    "squash" and "pad" (compute.robustness.preprocess_variants), the mean cosine of each image's
    embedding to its reference embedding and zero-shot shape accuracy. World 1's images are all
    square: its renders are widened (non_square); world 2's own 4:3 and 3:4 items are used."""
    _, mean, std = R.split_preprocess(preprocess)
    variants = R.preprocess_variants(max(describe(preprocess, model.visual).input_size))
    render = world_renderer(world)
    if world == 1:
        items = [render(seed, i) for i in range(n)]
        images = [non_square(im, i) for i, (im, _) in enumerate(items)]
    else:
        items = [it for it in (render(seed, i) for i in range(6 * n)) if it[1]["aspect"] != "1:1"][:n]
        images = [im for im, _ in items]
    metas = [m for _, m in items]
    truth = labels_of(metas, "shape")
    score = attribute_scores(model, tokenizer, "shape")
    device = next(model.parameters()).device
    emb = {k: R.embed_pixels(model, torch.stack([variants[k][1](im) for im in images]), mean, std, device)
           for k in ("reference", "squash", "pad")}
    out: dict = {"n": len(images), "aspects": sorted({f"{im.width}x{im.height}" for im in images})}
    for k, e in emb.items():
        out[k] = {"cosine_to_crop": float(np.mean(np.sum(e * emb["reference"], axis=1))),
                  "zeroshot_shape": float(np.mean(score(e).argmax(1) == truth))}
    return out


def sparsity_by_block(model, preprocess, images: list[Image.Image]) -> dict:
    """compute.robustness.activation_sparsity on the images: per block of the vision tower, the
    share of activations with |a| < SPARSITY_EPS and the share <= 0."""
    to_pixels, mean, std = R.split_preprocess(preprocess)
    x = torch.stack([to_pixels(im) for im in images])
    device = next(model.parameters()).device
    sp = R.activation_sparsity(model, R.normalise(x, mean, std), SPARSITY_EPS, device)
    return {"eps": SPARSITY_EPS, "what": sp["what"], "n": len(images),
            "blocks": [{k: b[k] for k in ("name", "near_zero", "nonpositive")} for b in sp["blocks"]]}


def behaviours(model, preprocess, tokenizer, n: int, seed: int, world: int = 1) -> dict:
    """{"prefixes", "preprocessing", "sparsity"} on items 0..n-1 of `seed` of demo world `world`
    (preprocessing and sparsity on at most 500 of them)."""
    items = [world_renderer(world)(seed, i) for i in range(n)]
    img = encode_images(model, preprocess, [im for im, _ in items])
    metas = [m for _, m in items]
    k = min(n, 500)
    return {"n": n, "seed": seed, "world": world,
            "prefixes": prefix_effects(model, tokenizer, img, metas),
            "preprocessing": preprocessing_effects(model, preprocess, tokenizer, seed, k, world),
            "sparsity": sparsity_by_block(model, preprocess, [im for im, _ in items[:k]])}


def format_table(metrics: dict, attack: dict | None = None, behaviours: dict | None = None) -> str:
    """The figures as aligned text: percentages, then the behaviours (evaluation.behaviours)."""
    rows = [(k, v) for k, v in metrics.items() if isinstance(v, float)]
    if attack:
        for a in ("colour", "shape"):
            for k, v in attack[a].items():
                if isinstance(v, float):
                    rows.append((f"typographic {a}: {k}", v))
            for z, f in (attack[a].get("by_word_size") or {}).items():
                rows.append((f"typographic {a}: {z} words ({f['n']})", f["word_beats_object"]))
    width = max(len(k) for k, _ in rows)
    lines = [f"held-out demo world (seed {metrics['seed']}, n = {metrics['n']})"]
    lines += [f"  {k:<{width}}  {100 * v:6.2f}%" for k, v in rows]
    if behaviours:
        lines.append("prefixes (cosine change, zero-shot colour+shape accuracy over 64 prompts)")
        lines += [f"  {p:<14} {f['cosine_change']:+.4f}  {100 * f['accuracy']:6.2f}%"
                  for p, f in behaviours["prefixes"].items()]
        pp = behaviours["preprocessing"]
        lines.append(f"non-square images, n = {pp['n']} (mean cosine to the centre crop, zero-shot shape)")
        lines += [f"  {k:<14} {pp[k]['cosine_to_crop']:.4f}  {100 * pp[k]['zeroshot_shape']:6.2f}%"
                  for k in ("reference", "squash", "pad")]
        sp = behaviours["sparsity"]
        lines.append(f"activations near zero (|a| < {sp['eps']}), {sp['what']}")
        lines += [f"  {b['name']:<14} {100 * b['near_zero']:6.2f}%" for b in sp["blocks"]]
    return "\n".join(lines)
