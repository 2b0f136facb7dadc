"""Retrieval and zero-shot metrics on L2-normalised embeddings. Pure: arrays in, numbers out."""

from __future__ import annotations

import numpy as np

VERSION = 1  # bump when retrieval_recall or the zero-shot scores change for the same inputs (the metrics stage is cached)


def _topk_hits(scores: np.ndarray, relevant: list[np.ndarray] | np.ndarray, ks) -> dict[int, float]:
    """Share of rows whose top-k columns contain a relevant column, for each k."""
    kmax = min(max(ks), scores.shape[1])
    top = np.argpartition(-scores, kth=kmax - 1, axis=1)[:, :kmax]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    out = {}
    for k in ks:
        kk = min(k, kmax)
        hits = [np.isin(top[i, :kk], relevant[i]).any() for i in range(scores.shape[0])]
        out[k] = float(np.mean(hits)) if hits else float("nan")
    return out


def retrieval_recall(
    image_emb: np.ndarray, text_emb: np.ndarray, text_image: np.ndarray, ks=(1, 5, 10), block: int = 4096
) -> dict[str, float]:
    """Image->text and text->image recall@k.

    image_emb  float[I, D], text_emb float[C, D], both L2-normalised
    text_image int[C]: the image each caption belongs to
    Returns {"i2t@1": .., "i2t@5": .., ..., "t2i@10": ..}: an image counts as retrieved when any of
    its own captions is in the top k; a caption when its own image is.
    """
    text_image = np.asarray(text_image)
    captions_of = [[] for _ in range(len(image_emb))]
    for c, i in enumerate(text_image):
        captions_of[int(i)].append(c)
    captions_of = [np.asarray(c, dtype=np.int64) for c in captions_of]
    out: dict[str, float] = {}
    i2t = {k: [] for k in ks}
    for s in range(0, len(image_emb), block):
        hits = _topk_hits(image_emb[s : s + block] @ text_emb.T, captions_of[s : s + block], ks)
        n = len(image_emb[s : s + block])
        for k in ks:
            i2t[k].append(hits[k] * n)
    t2i = {k: [] for k in ks}
    for s in range(0, len(text_emb), block):
        rel = [np.asarray([i]) for i in text_image[s : s + block]]
        hits = _topk_hits(text_emb[s : s + block] @ image_emb.T, rel, ks)
        n = len(rel)
        for k in ks:
            t2i[k].append(hits[k] * n)
    for k in ks:
        out[f"i2t@{k}"] = float(sum(i2t[k]) / max(len(image_emb), 1))
        out[f"t2i@{k}"] = float(sum(t2i[k]) / max(len(text_emb), 1))
    return out


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
