"""Train and evaluate the demo CLIP on the demo world.

    build_training_set(n, seed, preprocess)  -> (uint8[n, 3, H, W], captions, shapes)   rendered once
    train(...)                               -> (model, info)                   no file I/O
    evaluate(model, preprocess, tokenizer)   -> held-out metrics dict
    typographic_attack(model, ...)           -> how often a written word beats the object

Training data come from seed TRAIN_SEED, evaluation from HELDOUT_SEED; the site's default demo
dataset is seed 0, so none of the three overlap. Loss: symmetric InfoNCE with a learnable
logit scale, plus shape hard negatives on the image->text side (below); AdamW; linear warmup then
cosine decay; everything seeded.

Why more than InfoNCE: in a batch of 128 the colour, size, background and position almost always
tell the pairs apart already, so plain InfoNCE gives the shape little gradient (1,500 steps of it
reached 99.7% zero-shot colour but 70% shape, while a linear probe on the same image embeddings
read the shape 85% right: the image tower knew more than the text side was aligned to). Two extra
terms, both contrastive against text:

- attribute captions (`attribute_captions` > 0, the default): the 64 captions "a <colour> <shape>"
  are encoded once per step and shared by the batch; every image is scored against all of them
  (cross-entropy towards its own pair). Costs one extra text batch of 64 per step. The same loss
  against the 5 captions "<background> background" and the 3 "<size>" (weight `attribute_extras`
  relative to the pairs, off by default) keeps the background in the embedding: with the pairs
  alone zero-shot background falls to chance (19%); with extras 0.5 it is 98.8% and retrieval
  i2t@10 91%, but shape reaches 88.4% instead of 92.2% in the same 1,400 steps.
- shape hard negatives (`hard_negatives` = k > 0): each image's own caption with the shape word
  swapped for k other shapes joins its image->text softmax (as NegCLIP does for word order); each
  shape word is one BPE token, so the swap is a token replacement. Costs k text batches per step.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from builder.compute.metrics import retrieval_recall
from builder.training import evaluation as E
from builder.datasets.demo import _POSITION_PHRASE, ATTRIBUTES, WRITTEN_WORDS, world_renderer

TRAIN_SEED = 1
HELDOUT_SEED = 2


# ---------------------------------------------------------------------------------------- data

_worker_preprocess = None


def _init_worker(preprocess):
    global _worker_preprocess
    _worker_preprocess = preprocess
    torch.set_num_threads(1)


def _render_u8(args: tuple[int, int, int]) -> tuple[np.ndarray, list[str], dict]:
    """Render one item of world `world` and run it through the model's preprocess: (uint8 CHW,
    captions, labels with the written word under "word")."""
    seed, index, world = args
    img, meta = world_renderer(world)(seed, index)
    return _to_u8(_worker_preprocess(img), _worker_preprocess), meta["captions"], {**meta["labels"], "word": meta["word"]}


def _mean_std(preprocess) -> tuple[torch.Tensor, torch.Tensor]:
    """The final Normalize's mean and std as float[3, 1, 1] (see builder.models.preprocessing)."""
    from builder.models.preprocessing import describe

    p = describe(preprocess, None)
    return torch.tensor(p.mean).view(3, 1, 1), torch.tensor(p.std).view(3, 1, 1)


def _to_u8(x: torch.Tensor, preprocess) -> np.ndarray:
    """Undo Normalize exactly (ToTensor gave k/255), so storage is 1 byte per value."""
    mean, std = _mean_std(preprocess)
    return torch.round((x * std + mean) * 255).clamp(0, 255).to(torch.uint8).numpy()


def build_training_set(n: int, seed: int, preprocess, workers: int = 2,
                       world: int = 1) -> tuple[np.ndarray, list[list[str]], list[dict]]:
    """Render items 0..n-1 of `seed` of demo world `world` through `preprocess`:
    (uint8[n, 3, H, W], captions, labels)."""
    from tqdm import tqdm

    jobs = [(seed, i, world) for i in range(n)]
    bar = dict(total=n, desc=f"render demo world seed {seed}", unit="img", mininterval=2)
    if workers > 1:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(workers, _init_worker, (preprocess,)) as pool:
            out = list(tqdm(pool.imap(_render_u8, jobs, chunksize=256), **bar))
    else:
        _init_worker(preprocess)
        out = [_render_u8(j) for j in tqdm(jobs, **bar)]
    return np.stack([o[0] for o in out]), [o[1] for o in out], [o[2] for o in out]


def shape_token_positions(tokens: torch.Tensor, shape_ids: torch.Tensor) -> torch.Tensor:
    """int64[N]: index of the first shape-word token in each row of tokens[N, L].

    Every demo caption names the object's shape before any written word, so the first shape
    token is the object's. Raises ValueError if a row has none.
    """
    is_shape = torch.isin(tokens, shape_ids)
    if not bool(is_shape.any(dim=1).all()):
        raise ValueError("a training caption names no shape; the demo captions must all name one")
    return is_shape.int().argmax(dim=1)


def swap_shapes(tokens: torch.Tensor, pos: torch.Tensor, shape: torch.Tensor, shape_ids: torch.Tensor,
                k: int, rng: np.random.Generator) -> torch.Tensor:
    """Hard negatives int64[B, k, L]: each caption with its shape token replaced by k other shapes.

    tokens[B, L] captions, pos[B] the shape token's index, shape[B] the true shape's index into
    shape_ids; the k replacements are distinct and never the true shape.
    """
    n_shapes = len(shape_ids)
    others = np.argsort(rng.random((len(tokens), n_shapes - 1)), axis=1)[:, :k] + 1  # offsets 1..n-1
    new = (shape[:, None] + torch.from_numpy(others)) % n_shapes
    neg = tokens[:, None, :].repeat(1, k, 1)
    rows = torch.arange(len(tokens))[:, None].expand(-1, k)
    neg[rows, torch.arange(k)[None, :].expand(len(tokens), -1), pos[:, None].expand(-1, k)] = shape_ids[new]
    return neg


# ------------------------------------------------------------------------------------ training

def _param_groups(model, weight_decay: float):
    """AdamW groups as open_clip does it: no decay for gains, biases and the logit scale."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        exclude = p.ndim < 2 or "bn" in name or "ln" in name or "bias" in name or "logit_scale" in name
        (no_decay if exclude else decay).append(p)
    return [{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": weight_decay}]


def _lr_at(step: int, steps: int, lr: float, warmup: int) -> float:
    if step < warmup:
        return lr * (step + 1) / warmup
    t = (step - warmup) / max(1, steps - warmup)
    return lr * 0.5 * (1 + math.cos(math.pi * t))


def train(
    steps: int = 1000,
    batch_size: int = 256,
    seed: int = 0,
    n_images: int = 40000,
    lr: float = 1e-3,
    weight_decay: float = 0.1,
    warmup: int = 100,
    device: str = "cpu",
    workers: int = 2,
    eval_every: int = 0,
    hard_negatives: int = 0,
    arch: str | None = None,
    attribute_captions: float = 0.5,
    attribute_extras: float = 0.0,
    position_weight: float | None = None,
    word_weight: float | None = None,
    world: int = 1,
):
    """Train the demo CLIP from scratch; returns (model in eval mode, info dict).

    `seed` fixes the initialisation, the batch order and caption choice; the images are items
    0..n_images-1 of TRAIN_SEED. `eval_every` > 0 prints a quick held-out check (200 items) every
    that many steps. `arch` (default: the demo architecture) names another registered open_clip
    config, for experiments. `hard_negatives` (0..7) swapped-shape captions per image join the
    image->text softmax; `attribute_captions` weighs the loss against the 64 shared
    "a <colour> <shape>" captions (0: off) and `attribute_extras` the background and size sets
    relative to it (with them: the position set "a shape <position>" and the written-word set
    'the word "<word>"', the latter over the images that have a word); `position_weight` and
    `word_weight`, if given, replace attribute_extras for the position and the written-word sets (a set
    of weight 0 is left out, so either can be on while the others are off). `world`: the demo world
    trained on (1, or 2: builder/datasets/demo_world2.py). info holds the used token ids ("token_rows", for the sparse weights file), the
    loss at every step ("losses"), the settings and timings.
    """
    import open_clip
    from tqdm import tqdm

    from builder.models.demo import DEMO_ARCH, _quiet_open_clip, register_demo_config

    t0 = time.perf_counter()
    register_demo_config()
    arch = arch or DEMO_ARCH
    torch.manual_seed(seed)
    with _quiet_open_clip():
        model, _, preprocess = open_clip.create_model_and_transforms(arch, pretrained=None)
    tokenizer = open_clip.get_tokenizer(arch)
    images, captions, labels = build_training_set(n_images, TRAIN_SEED, preprocess, workers, world)
    tokens = tokenizer([c for cs in captions for c in cs]).view(n_images, 2, -1)
    shape_names = ATTRIBUTES["shape"]
    if not 0 <= hard_negatives < len(shape_names):
        raise ValueError(f"hard_negatives must be in 0..{len(shape_names) - 1}, got {hard_negatives}")
    if hard_negatives and world != 1:
        raise ValueError("hard negatives swap canonical shape words: world 1 only (world 2's captions use synonyms)")
    shape_ids = tokenizer(list(shape_names))[:, 1]  # each shape word is one token after <start>
    if hard_negatives:
        shape_pos = shape_token_positions(tokens.view(2 * n_images, -1), shape_ids).view(n_images, 2)
    shape_idx = torch.tensor([shape_names.index(m["shape"]) for m in labels])
    colours = ATTRIBUTES["colour"]
    pair_idx = torch.tensor([colours.index(m["colour"]) for m in labels]) * len(shape_names) + shape_idx
    # Shared caption sets: (captions, each image's target among them, weight relative to the pairs).
    shared = [(tokenizer([f"{'an' if c[0] in 'aeiou' else 'a'} {c} {s}" for c in colours for s in shape_names]),
               pair_idx, 1.0)]
    position_weight = attribute_extras if position_weight is None else position_weight
    word_weight = attribute_extras if word_weight is None else word_weight
    words = list(WRITTEN_WORDS)
    extra_sets = [  # (attribute, caption of each value, weight); a set of weight 0 is left out
        ("background", "{} background".format, attribute_extras),
        ("size", str, attribute_extras),
        ("position", lambda v: f"a shape {_POSITION_PHRASE[v]}", position_weight),
        ("word", 'the word "{}"'.format, word_weight),  # over the images with a word only
    ]
    for attribute, caption, weight in extra_sets:
        if weight:
            values = words if attribute == "word" else ATTRIBUTES[attribute]
            target = [values.index(m[attribute]) if m[attribute] else -1 for m in labels]  # -1: no word, left out
            shared.append((tokenizer([caption(v) for v in values]), torch.tensor(target), weight))
    shared_tokens = torch.cat([toks for toks, _, _ in shared])
    t_data = time.perf_counter() - t0

    # Token rows outside the demo vocabulary are zeroed and stay zero (they never get a gradient).
    rows = torch.unique(torch.cat([tokens.flatten(), shared_tokens.flatten()]))  # the shared sets' words too
    with torch.no_grad():
        keep = torch.zeros(model.vocab_size, dtype=torch.bool)
        keep[rows] = True
        model.token_embedding.weight[~keep] = 0

    model = model.to(device).train()
    mean, std = (t.to(device) for t in _mean_std(preprocess))
    opt = torch.optim.AdamW(_param_groups(model, weight_decay), lr=lr, betas=(0.9, 0.98), eps=1e-6)
    rng = np.random.default_rng(seed)
    order, pos = rng.permutation(n_images), 0
    losses = []
    bar = tqdm(range(steps), desc="train demo CLIP", unit="step", mininterval=2)
    for step in bar:
        if pos + batch_size > n_images:
            order, pos = rng.permutation(n_images), 0
        idx = order[pos : pos + batch_size]
        pos += batch_size
        which = rng.integers(2, size=len(idx))
        x = (torch.from_numpy(images[idx]).to(device).float() / 255 - mean) / std
        ti, tw = torch.from_numpy(idx), torch.from_numpy(which)
        t = tokens[ti, tw]
        if hard_negatives:
            neg = swap_shapes(t, shape_pos[ti, tw], shape_idx[ti], shape_ids, hard_negatives, rng)
            t = torch.cat([t, neg.flatten(0, 1)])
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, steps, lr, warmup)
        n_text = len(t)
        if attribute_captions:
            t = torch.cat([t, shared_tokens])
        img_f = model.encode_image(x, normalize=True)
        all_txt = model.encode_text(t.to(device), normalize=True)
        scale = model.logit_scale.exp()
        b = len(idx)
        txt_f = all_txt[:b]
        logits = scale * img_f @ txt_f.T
        target = torch.arange(b, device=device)
        i2t = logits
        if hard_negatives:
            hard = scale * torch.einsum("bd,bkd->bk", img_f, all_txt[b:n_text].view(b, hard_negatives, -1))
            i2t = torch.cat([logits, hard], dim=1)
        loss = (F.cross_entropy(i2t, target) + F.cross_entropy(logits.T, target)) / 2
        if attribute_captions:
            start = n_text
            for toks, targets, weight in shared:
                scores = scale * img_f @ all_txt[start:start + len(toks)].T
                start += len(toks)
                tgt = targets[ti].to(device)
                if bool((tgt >= 0).any()):
                    loss = loss + attribute_captions * weight * F.cross_entropy(scores, tgt, ignore_index=-1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        losses.append(loss.item())
        if step % 20 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}", scale=f"{scale.item():.1f}")
        if eval_every and (step + 1) % eval_every == 0:
            m = evaluate(model.eval(), preprocess, tokenizer, n=200, world=world)
            model.train()
            bar.write(f"step {step + 1}: loss {np.mean(losses[-50:]):.3f} " + " ".join(
                f"{a} {m['zeroshot_' + a]:.3f}" for a in ATTRIBUTES) + f" match@1 {m['attribute_match@1']:.3f}")
    model.eval()
    info = {
        "steps": steps, "batch_size": batch_size, "seed": seed, "n_images": n_images, "lr": lr,
        "weight_decay": weight_decay, "warmup": warmup, "hard_negatives": hard_negatives,
        "attribute_captions": attribute_captions, "attribute_extras": attribute_extras,
        "position_weight": position_weight, "word_weight": word_weight, "device": str(device), "train_data_seed": TRAIN_SEED, "world": world,
        "threads": torch.get_num_threads(), "data_s": round(t_data, 1),
        "wall_s": round(time.perf_counter() - t0, 1), "final_loss": float(np.mean(losses[-50:])),
        "token_rows": rows, "losses": losses,
    }
    return model, info


# ---------------------------------------------------------------------------------- evaluation

def evaluate(model, preprocess, tokenizer, n: int = 500, seed: int = HELDOUT_SEED, world: int = 1) -> dict:
    """Held-out quality on items 0..n-1 of `seed` of demo world `world`.

    Returns {"n", "zeroshot_<attribute>" for every attribute, "attribute_match@1" (the top caption
    among all 2n captions names the image's colour and shape), "i2t@1/5/10", "t2i@1/5/10",
    "synonym_zeroshot_<attribute>" and "synonym_relative_<attribute>" (evaluation.synonym_accuracy)}.
    """
    render = world_renderer(world)
    items = [render(seed, i) for i in range(n)]
    img = E.encode_images(model, preprocess, [im for im, _ in items])
    metas = [m for _, m in items]
    texts = [c for m in metas for c in m["captions"]]
    text_image = np.repeat(np.arange(n), 2)
    txt = E.encode_texts(model, tokenizer, texts)
    out: dict = {"n": n, "seed": seed, "world": world}
    canonical = {a: float(np.mean(E.attribute_scores(model, tokenizer, a)(img).argmax(1) == E.labels_of(metas, a)))
                 for a in ATTRIBUTES}
    out.update({f"zeroshot_{a}": v for a, v in canonical.items()})
    top = text_image[np.argmax(img @ txt.T, axis=1)]
    same = [all(metas[t]["labels"][a] == metas[i]["labels"][a] for a in ("colour", "shape")) for i, t in enumerate(top)]
    out["attribute_match@1"] = float(np.mean(same))
    out.update(retrieval_recall(img, txt, text_image))
    out.update(E.synonym_accuracy(model, tokenizer, img, metas, canonical))
    return out


def typographic_attack(model, preprocess, tokenizer, n: int = 300, seed: int = HELDOUT_SEED, world: int = 1) -> dict:
    """How often a written word that names another colour (shape) beats the object's own.

    Items 0..n-1 of `seed` are rendered twice: with no word, and with a word naming a different
    colour (first half of the items) or a different shape (second half). Returns, per attribute,
    zero-shot accuracy without the word, with it, "word_wins": the share of images whose
    predicted value is the written word, and "word_beats_object": the share whose written word's
    prompts score above the drawn value's (the two compared alone).
    """
    out: dict = {"n": n, "seed": seed, "world": world}
    render = world_renderer(world)
    half = {"colour": range(0, n // 2), "shape": range(n // 2, n)}
    for attribute, idx in half.items():
        values = ATTRIBUTES[attribute]
        score = E.attribute_scores(model, tokenizer, attribute)
        clean, attacked, truth, words, sizes = [], [], [], [], []
        for i in idx:
            im, meta = render(seed, i, word="")
            true = values.index(meta["labels"][attribute])
            word = (true + 1 + i % (len(values) - 1)) % len(values)  # any value but the true one
            im_word, meta_word = render(seed, i, word=values[word])
            if not meta_word["word"]:  # no room for it (world 2 places words clear of the object)
                continue
            clean.append(im)
            attacked.append(im_word)
            truth.append(true)
            words.append(word)
            sizes.append(meta_word.get("word_size", ""))
        truth, words, sizes = np.array(truth), np.array(words), np.array(sizes)
        pred_clean = score(E.encode_images(model, preprocess, clean)).argmax(1)
        scores = score(E.encode_images(model, preprocess, attacked))
        pred = scores.argmax(1)
        rows = np.arange(len(truth))
        beats = scores[rows, words] > scores[rows, truth]
        out[attribute] = {
            "n": len(truth),
            "accuracy_clean": float(np.mean(pred_clean == truth)),
            "accuracy_with_word": float(np.mean(pred == truth)),
            "word_wins": float(np.mean(pred == words)),
            "word_beats_object": float(np.mean(beats)),
        }
        by_size = {z: {"n": int(np.sum(sizes == z)), "word_beats_object": float(np.mean(beats[sizes == z]))}
                   for z in ("small", "medium", "large") if np.any(sizes == z)}
        if by_size:
            out[attribute]["by_word_size"] = by_size
    return out
