"""The towers' files for the browser: tokenizer.json, text.onnx, image.onnx (when it fits), with
their parity against torch and open_clip. -> plain dicts the stage caches and describes."""

from __future__ import annotations

import numpy as np

from builder.browser_model import export, tokenizer as T
from builder.browser_model.dense import logit_scale as dense_logit_scale

VERSION = 1


def tokenizer_facts(lm) -> tuple[dict | None, str]:
    """(sot, eot, context_length, bpe path) of an open_clip SimpleTokenizer, or (None, why not)."""
    from open_clip.tokenizer import SimpleTokenizer, default_bpe

    tok = lm.tokenizer
    if not isinstance(tok, SimpleTokenizer):
        return None, f"the model's tokenizer is {type(tok).__name__}, not open_clip's CLIP BPE (SimpleTokenizer)"
    if getattr(tok, "reduction_fn", None) is not None or getattr(tok, "clean_fn", None).__name__ != "_clean_lower":
        return None, "the model's tokenizer uses a cleaning or reduction other than CLIP's default"
    ctx = int(tok.context_length or getattr(lm.model, "context_length", 77))
    return {"sot": int(tok.sot_token_id), "eot": int(tok.eot_token_id), "context_length": ctx,
            "bpe": default_bpe()}, ""


def token_parity(lm, tok, texts: list[str], facts: dict) -> dict:
    """How many of `texts` get identical ids from tokenizer.json (+ clean_text) and open_clip."""
    ctx = facts["context_length"]
    ours = np.array(T.encode_ids(tok, texts, ctx, facts["sot"], facts["eot"]), np.int64).reshape(-1, ctx)
    theirs = lm.tokenizer(texts, context_length=ctx).numpy()
    same = (ours == theirs).all(axis=1)
    return {"strings": int(len(texts)), "identical": int(same.sum())}


def image_tower_size(model) -> int:
    """About the int8 image tower's bytes: one per weight of the vision tower."""
    return int(sum(p.numel() for p in model.visual.parameters()))


def image_tower_skip(cfg, weights: int, have_pixels: bool) -> str:
    """Why the image tower is not exported ("" when it is): image_tower off, or auto and its int8 file
    (about `weights` bytes) over image_max_mb, or no image to check its parity on."""
    if cfg.image_tower == "off":
        return "browser_model.image_tower = off"
    if cfg.image_tower == "auto" and weights > cfg.image_max_mb * 1e6:
        return f"its int8 file would be about {weights / 1e6:.0f} MB > browser_model.image_max_mb = {cfg.image_max_mb:g}"
    if not have_pixels:
        return "no decodable image to check its parity on"
    return ""


def preprocess_facts(lm) -> dict:
    """manifest browser_model.image.preprocess: what the JS must do to a picture."""
    p = lm.preprocessing
    interp = "bicubic"
    for t in getattr(lm.preprocess, "transforms", []):
        if type(t).__name__ == "Resize":
            interp = str(getattr(t.interpolation, "value", t.interpolation))
    return {"size": list(p.input_size), "resize": "shortest" if p.crop else "squash",
            "crop": "center" if p.crop else "none", "interpolation": interp,
            "mean": [round(v, 8) for v in p.mean], "std": [round(v, 8) for v in p.std]}


def build_towers(lm, cfg, texts: list[str], pixels: np.ndarray | None, log=print) -> dict:
    """Everything the towers' part of the stage makes, as a cacheable dict:
    {"tokenizer": uint8 bytes, "text": uint8 bytes, "image": uint8 bytes (empty when not exported),
     "meta": {facts, parities, sizes, why}} (or {"meta": {"skipped": why}})."""
    import time

    facts, why = tokenizer_facts(lm)
    if facts is None:
        return {"meta": {"skipped": why}}
    tok_json = T.tokenizer_json(facts["bpe"])
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(tok_json.decode("utf-8"))
    meta = {"tokenizer": {**{k: facts[k] for k in ("sot", "eot", "context_length")},
                          "parity": token_parity(lm, tok, texts, facts)},
            "logit_scale": dense_logit_scale(lm.model)}  # kept: a rebuild from the cache loads no model
    started = time.perf_counter()
    text_fp32 = export.export_text(lm.model, facts["context_length"])
    ids = np.array(T.encode_ids(tok, texts, facts["context_length"], facts["sot"], facts["eot"]), np.int64)
    text = export.tower(export.TextTower(lm.model), text_fp32, ids, cfg.int8, cfg.min_cosine, "strings")
    meta["text"] = {k: v for k, v in text.items() if k != "bytes"}
    meta["text"]["export_seconds"] = round(time.perf_counter() - started, 2)
    image = b""
    why_not = image_tower_skip(cfg, image_tower_size(lm.model), pixels is not None and len(pixels) > 0)
    if why_not:
        meta["image"] = {"skipped": why_not}
    else:
        started = time.perf_counter()
        img_fp32 = export.export_image(lm.model, tuple(lm.preprocessing.input_size))
        res = export.tower(export.ImageTower(lm.model), img_fp32, pixels.astype(np.float32), cfg.int8,
                           cfg.min_cosine, "images")
        image = res.pop("bytes")
        meta["image"] = {**res, "preprocess": preprocess_facts(lm),
                         "export_seconds": round(time.perf_counter() - started, 2)}
    log(f"[browser-model] text tower {meta['text']['dtype']} {len(text['bytes']) / 1e6:.1f} MB"
        + (f", image tower {meta['image']['dtype']} {len(image) / 1e6:.1f} MB" if image else ""))
    as_u8 = lambda b: np.frombuffer(b, np.uint8)  # noqa: E731
    return {"tokenizer": as_u8(tok_json), "text": as_u8(text["bytes"]), "image": as_u8(image),
            "meta": meta}


def text_embedder(tokenizer_json: bytes, text_onnx: bytes, facts: dict):
    """texts -> float32[n, D] through the shipped tokenizer.json and text.onnx (what the browser runs)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(tokenizer_json.decode("utf-8"))
    sess = export.session(text_onnx)

    def embed(texts: list[str]) -> np.ndarray:
        ids = np.array(T.encode_ids(tok, texts, facts["context_length"], facts["sot"], facts["eot"]), np.int64)
        return export.run(sess, ids)

    return embed
