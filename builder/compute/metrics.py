"""Retrieval and zero-shot metrics on L2-normalised embeddings. Pure: arrays in, numbers out."""

from __future__ import annotations

import numpy as np

VERSION = 1  # bump when retrieval_recall or the zero-shot scores change for the same inputs (the metrics stage is cached)


def _top(scores: np.ndarray, kmax: int) -> np.ndarray:
    """Column indices of each row's `kmax` highest scores, best first (ties: lower index first)."""
    kmax = min(kmax, scores.shape[1])
    top = np.argpartition(-scores, kth=kmax - 1, axis=1)[:, :kmax]
    order = np.lexsort((top, -np.take_along_axis(scores, top, axis=1)), axis=1)
    return np.take_along_axis(top, order, axis=1)


def _hit_counts(keys: np.ndarray, relevant: np.ndarray, ks) -> dict[int, int]:
    """keys int64[B, kmax] (a key per retrieved column, best first), `relevant` the sorted keys
    that count as correct: how many rows have a relevant key among their first k, for each k."""
    pos = np.clip(np.searchsorted(relevant, keys), 0, max(len(relevant) - 1, 0))
    found = relevant[pos] == keys if len(relevant) else np.zeros(keys.shape, bool)
    return {k: int(found[:, :k].any(axis=1).sum()) for k in ks}


def text_ids(texts) -> np.ndarray:
    """int64[C]: the same number for captions with exactly the same text (first-seen order)."""
    seen: dict[str, int] = {}
    return np.asarray([seen.setdefault(t, len(seen)) for t in texts], dtype=np.int64)


def shared_text_captions(text_id: np.ndarray, text_image: np.ndarray) -> int:
    """How many captions have a text that is also a caption of another image."""
    text_id, text_image = np.asarray(text_id, np.int64), np.asarray(text_image, np.int64)
    pairs = np.unique(np.stack([text_id, text_image], 1), axis=0) if len(text_id) else np.zeros((0, 2), np.int64)
    images_per_text = np.bincount(pairs[:, 0], minlength=int(text_id.max(initial=-1)) + 1)
    return int((images_per_text[text_id] > 1).sum()) if len(text_id) else 0


def query_sample(n: int, queries: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of the rows used as queries: all `n` when `queries` is 0 or >= n, else a
    seeded sample of `queries` of them (so retrieval costs queries x n, never n x n)."""
    if queries <= 0 or queries >= n:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, size=queries, replace=False)).astype(np.int64)


def retrieval_recall_both(image_emb: np.ndarray, text_emb: np.ndarray, text_image: np.ndarray, text_id=None,
                          ks=(1, 5, 10), block: int = 4096, queries: int = 0,
                          seed: int = 0) -> tuple[dict[str, float], dict[str, float]]:
    """Image->text and text->image recall@k, strict and by text: (strict, same_text).

    image_emb  float[I, D], text_emb float[C, D], both L2-normalised
    text_image int[C]: the image each caption belongs to
    text_id    int[C]: equal for captions with the same text (`text_ids`); default: all different
    Strict: an image is retrieved when one of its own captions is in its top k; a caption when its
    own image is. Same text: an image also when a caption with the same text as one of its own is
    (that caption belongs to another image, but says the same); a caption also when an image with
    a caption of the same text is. Each is {"i2t@1": .., ..., "t2i@10": ..}.
    queries    0: every image and caption is a query; else at most this many of each, a seeded
               sample (`query_sample`), ranked against the whole gallery: memory block x N.
    """
    text_image = np.asarray(text_image, dtype=np.int64)
    n_img, n_txt = len(image_emb), len(text_emb)
    tid = np.arange(n_txt, dtype=np.int64) if text_id is None else np.asarray(text_id, dtype=np.int64)
    n_tid = int(tid.max(initial=-1)) + 1
    own_caption = np.sort(text_image * n_txt + np.arange(n_txt))  # (image, caption) pairs
    own_text = np.unique(text_image * n_tid + tid)  # (image, text) pairs
    kmax = max(ks)
    strict = {f"{d}@{k}": 0 for d in ("i2t", "t2i") for k in ks}
    same = dict(strict)

    def add(out: dict, d: str, counts: dict[int, int]) -> None:
        for k, n in counts.items():
            out[f"{d}@{k}"] += n

    q_img, q_txt = query_sample(n_img, queries, seed), query_sample(n_txt, queries, seed + 1)
    block = max(16, min(block, (1 << 26) // max(n_img, n_txt, 1)))  # a block of scores stays under 256 MB
    for s in range(0, len(q_img), block):
        rows = q_img[s : s + block, None]
        top = _top(image_emb[rows[:, 0]] @ text_emb.T, kmax) if n_txt else np.zeros((len(rows), 0), np.int64)
        add(strict, "i2t", _hit_counts(rows * n_txt + top, own_caption, ks))
        add(same, "i2t", _hit_counts(rows * n_tid + tid[top], own_text, ks))
    for s in range(0, len(q_txt), block):
        cols = q_txt[s : s + block]
        top = _top(text_emb[cols] @ image_emb.T, kmax) if n_img else np.zeros((0, 0), np.int64)
        add(strict, "t2i", _hit_counts(top * n_txt + cols[:, None], own_caption, ks))
        add(same, "t2i", _hit_counts(top * n_tid + tid[cols][:, None], own_text, ks))
    order = [f"{d}@{k}" for k in ks for d in ("i2t", "t2i")]

    def rates(counts: dict) -> dict[str, float]:
        return {key: float(counts[key] / max(len(q_img) if key.startswith("i2t") else len(q_txt), 1)) for key in order}

    return rates(strict), rates(same)


def retrieval_recall(
    image_emb: np.ndarray, text_emb: np.ndarray, text_image: np.ndarray, ks=(1, 5, 10), block: int = 4096
) -> dict[str, float]:
    """Strict image->text and text->image recall@k (see `retrieval_recall_both`): {"i2t@1": .., ..}."""
    return retrieval_recall_both(image_emb, text_emb, text_image, None, ks, block)[0]


def class_embeddings(prompt_emb: np.ndarray, prompt_class: np.ndarray, n_classes: int) -> np.ndarray:
    """Average the (normalised) prompt embeddings of each class and re-normalise: float[n_classes, D]."""
    out = np.zeros((n_classes, prompt_emb.shape[1]), dtype=np.float64)
    np.add.at(out, np.asarray(prompt_class), prompt_emb.astype(np.float64))
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out.astype(np.float32)


def zero_shot_scores(image_emb: np.ndarray, prompt_emb: np.ndarray, prompt_class: np.ndarray, n_classes: int,
                     rule: str = "mean") -> np.ndarray:
    """Score of every class for every image from its prompts' embeddings: float[I, n_classes].

    rule "mean": cosine with the class embedding, the re-normalised mean of the class's prompts (the
    CLIP paper's prompt ensembling: right when the prompts paraphrase one concept).
    rule "max": the best cosine over the class's prompts (right when the prompts enumerate
    sub-classes, as "a red star" ... "a pink star" do for "star": their mean is a blur of them).
    """
    prompt_class = np.asarray(prompt_class)
    if rule == "mean":
        return image_emb @ class_embeddings(prompt_emb, prompt_class, n_classes).T
    if rule != "max":
        raise ValueError(f"unknown zero-shot rule {rule!r}; allowed: 'mean', 'max'")
    sims = image_emb @ prompt_emb.T
    out = np.full((len(image_emb), n_classes), -np.inf, dtype=np.float32)
    for c in range(n_classes):
        cols = np.flatnonzero(prompt_class == c)
        if len(cols):
            out[:, c] = sims[:, cols].max(axis=1)
    return out


def top1(scores: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows whose best-scoring column is their label (nan for no rows)."""
    if len(scores) == 0:
        return float("nan")
    return float(np.mean(np.argmax(scores, axis=1) == np.asarray(labels)))


def zero_shot_accuracy(image_emb: np.ndarray, class_emb: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 accuracy of the nearest class embedding; labels int[I] index rows of class_emb."""
    if len(image_emb) == 0:
        return float("nan")
    pred = np.argmax(image_emb @ class_emb.T, axis=1)
    return float(np.mean(pred == np.asarray(labels)))


def zero_shot_predictions(image_emb: np.ndarray, class_emb: np.ndarray) -> np.ndarray:
    """Index of the best class for each image: int[I]."""
    return np.argmax(image_emb @ class_emb.T, axis=1)
