"""The browser-model stage (#14, builder half): tokenizer ids, the query index, the demo build's
model/ files and manifest entry, dense patch features and their pointing game. The towers' export on
other architectures is in test_browser_model_export.py."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import numpy as np
import pytest

from builder import config
from builder.browser_model import tokenizer as T
from builder.browser_model.stage import build_index, index_entry
from builder.browser_model.towers import image_tower_skip
from builder.compute import query_index as Q
from builder.io.cache import default_cache_dir

SIZE = 120  # demo images of the module's build (every one has a box: the pointing game uses 100)


# -- tokenizer ------------------------------------------------------------------------------------

def default_build_captions(tmp_root: Path) -> list[str]:
    """Every caption of the default build (demo world, 5,000 images, seed 0), from the default cache's
    demo world when a build made it, else rendered here."""
    from builder.datasets.demo import materialise

    shared = default_cache_dir() / "demo-world" / "seed0-n5000" / "manifest.jsonl"
    path = shared if shared.is_file() else materialise(tmp_root / "world", 5000, 0, progress=False)
    return [c for line in path.read_text(encoding="utf-8").splitlines() for c in json.loads(line)["captions"]]


ODD = ["a red star", "A  Red\tSTAR\n", "\u201ccurly\u201d \u2018quotes\u2019", "\ufb01ne \ufb02owers", "\uff26\uff35\uff2c\uff2c width",
       "emoji \U0001f431\u200d\U0001f464 \U0001f680\u2728", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
       "<b>bold</b> &amp; &lt;tag&gt; &amp;amp; &#39;x&#39; &eacute;", "<script>alert(1)</script>", "zero\u200bwidth",
       "nbsp\u00a0here", "ctrl\x01\x07chars\x7f", "\u00dcn\u00efc\u00f6d\u00e9 \u00c7\u00e0F\u00c9", "\u0130stanbul", "\u00df stra\u00dfe",
       "x" * 500, "word " * 100, "<start_of_text> hi <end_of_text>", "don't it's we're I'M", "3.14159 123456", "\u2028line\u2029sep",
       "e\u0301 combining", "\ufeffbom", "", "   ", "\n\n\t", "\u3000ideographic\u3000space", "tab\there", "a\r\nb"]


def odd_strings(n: int, seed: int = 0) -> list[str]:
    """Hand-picked oddities, then random mixes of letters, unicode, emoji, HTML and whitespace."""
    rng = random.Random(seed)
    alpha = "abcXYZ \u00e9\u00fc\u65e5\U0001f642 \t\n&;<>'\"0123456789.,!?-_\u00a0\u3000\uff21\uff22\u201c\u201d\ufb01\x00\x1f#"
    words = ["&amp;", "&lt;b&gt;", "<i>", "red", "STAR", "\U0001f525", "\u00e9t\u00e9", "  ", "'s", "'LL"]
    out = list(ODD)
    while len(out) < n:
        if rng.random() < 0.5:
            out.append("".join(rng.choice(alpha) for _ in range(rng.randint(0, 80))))
        else:
            out.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 40))))
    return out


def test_tokenizer_ids_equal_open_clip_on_every_default_caption_and_2000_odd_strings(tmp_path):
    import open_clip
    from open_clip.tokenizer import default_bpe

    tok = T.build_tokenizer(default_bpe())
    ref = open_clip.get_tokenizer("ViT-B-32")
    captions = sorted(set(default_build_captions(tmp_path)))
    odd = odd_strings(2000)
    strings = captions + odd
    assert len(captions) > 1000 and len(odd) >= 2000
    for ctx in (32, 77):  # the demo model's context and CLIP's
        ours = T.encode_ids(tok, strings, ctx, 49406, 49407)
        theirs = ref(strings, context_length=ctx).tolist()
        bad = [(s, a, b) for s, a, b in zip(strings, ours, theirs) if a != b]
        assert not bad, f"{len(bad)} of {len(strings)} differ at context {ctx}, first: {bad[0]}"
    long_ids = T.encode_ids(tok, ["word " * 100], 32, 49406, 49407)[0]
    assert len(long_ids) == 32 and long_ids[0] == 49406 and long_ids[-1] == 49407  # cut, ends with eot


def test_tokenizer_json_is_deterministic_and_reads_back():
    from open_clip.tokenizer import default_bpe
    from tokenizers import Tokenizer

    a, b = T.tokenizer_json(default_bpe()), T.tokenizer_json(default_bpe())
    assert a == b
    tok = Tokenizer.from_str(a.decode("utf-8"))
    assert tok.get_vocab_size() == 49408 and tok.token_to_id(T.EOT) == 49407
    import open_clip

    ids = T.encode_ids(tok, ["a red star"], 8, 49406, 49407)[0]
    assert ids == open_clip.get_tokenizer("ViT-B-32")(["a red star"], context_length=8)[0].tolist()
    assert ids[0] == 49406 and ids[4] == 49407 and ids[5:] == [0, 0, 0]


# -- the query index ------------------------------------------------------------------------------

def clustered(n: int, d: int, centres: int, seed: int = 0, spread: float = 0.35) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = Q.normalise(rng.standard_normal((centres, d)))
    return Q.normalise(c[rng.integers(0, centres, n)] + spread * rng.standard_normal((n, d)) / np.sqrt(d) * 4)


def test_int8_rows_dequantise_within_half_a_step():
    x = np.random.default_rng(1).standard_normal((50, 64)).astype(np.float32)
    x[3] = 0.0  # a zero row must not divide by zero
    q, scale = Q.quantise_rows(x)
    assert q.dtype == np.int8 and scale.dtype == np.float32 and np.abs(q).max() == 127
    err = np.abs(Q.dequantise(q, scale) - Q.normalise(x))
    assert (err <= scale[:, None] / 2 + 1e-7).all()
    assert np.isfinite(scale).all() and not q[3].any()


def test_recall_of_int8_scoring_is_high_and_a_wrong_index_scores_low():
    x = clustered(3000, 64, 30)
    q, scale = Q.quantise_rows(x)
    queries = Q.query_sample(len(x), 300, 0)
    good = Q.recall_flat(x, q, scale, queries)
    shuffled = q[np.random.default_rng(0).permutation(len(q))]
    assert good >= 0.95
    assert Q.recall_flat(x, shuffled, scale, queries) < 0.1


def test_sharded_index_on_20000_clustered_512d_rows(tmp_path):
    x = clustered(20000, 512, 100)
    bm = config.load(None, browser_model__shard_rows=5000, browser_model__shard_clusters=64,
                     browser_model__recall_queries=200, browser_model__probe=8).browser_model
    res = build_index(bm, x)
    m = res["meta"]
    assert m["sharded"] and m["clusters"] == 64 and m["rows"] == 20000
    assert m["recall_at_10"] >= 0.9, m
    one = Q.recall_sharded(x, {"centroids": res["centroids"], "ids": [res[f"ids_{s}"] for s in range(64)],
                               "rows": [res[f"rows_{s}"] for s in range(64)],
                               "scales": [res[f"scales_{s}"] for s in range(64)]}, Q.query_sample(20000, 200, 0), 1)
    assert round(one, 4) <= m["recall_at_10"]  # probing more clusters never finds fewer of the true neighbours
    files: dict[str, bytes] = {}
    entry = index_entry(files, res)
    assert entry["file"] is None and len(entry["shards"]) == 64 and entry["order"] == "points"
    ids = np.concatenate([np.frombuffer(files[s["ids"]], "<u4") for s in entry["shards"]])
    assert sorted(ids.tolist()) == list(range(20000))  # the shards partition the points
    s0 = entry["shards"][0]
    assert len(files[s0["file"]]) == s0["rows"] * 512 and len(files[s0["scales"]]) == 4 * s0["rows"]
    assert len(files[entry["centroids"]]) == 64 * 512 * 4


def test_the_image_tower_is_left_out_when_too_big_or_off():
    cfg = config.load(None).browser_model
    assert image_tower_skip(cfg, 2_000_000, True) == ""  # the demo model's vision tower
    assert "88 MB > browser_model.image_max_mb = 20" in image_tower_skip(cfg, 88_000_000, True)  # ViT-B-32's
    assert image_tower_skip(config.load(None, browser_model__image_tower="on").browser_model, 88_000_000, True) == ""
    assert "off" in image_tower_skip(config.load(None, browser_model__image_tower="off").browser_model, 1, True)
    assert "no decodable image" in image_tower_skip(cfg, 1, False)
    with pytest.raises(config.ConfigError, match="image_tower"):
        config.load(None, browser_model__image_tower="maybe")


# -- the demo build -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    from builder.pipeline import build
    from support import NO_ANALYSES

    root = tmp_path_factory.mktemp("bm")
    over = {**NO_ANALYSES, "browser_model__enabled": True}
    cfg = config.load(None, dataset__size=SIZE, cache_dir=str(root / "cache"), embed__workers=0, **over)
    report = build(cfg, root / "site", progress=False, log=lambda m: None)
    data = root / "site" / "data" / "demo"
    return {"root": root, "report": report, "data": data, "cfg": cfg,
            "manifest": json.loads((data / "manifest.json").read_text(encoding="utf-8"))}


def test_demo_build_ships_the_contract(demo_site):
    m, data = demo_site["manifest"], demo_site["data"]
    bm = m["browser_model"]
    assert bm["version"] == 1 and bm["model"] == m["model"]["name"] == "demo" and bm["embed_dim"] == 128
    assert bm["context_length"] == 32 and 1 <= bm["logit_scale"] <= 100
    for part in ("tokenizer", "text", "image"):
        rel = bm[part]["file"]
        raw = (data / rel).read_bytes()
        assert len(raw) == bm[part]["bytes"] == m["files"][rel]["bytes"]
        assert hashlib.sha256(raw).hexdigest() == bm[part]["sha256"] == m["files"][rel]["sha256"]
    assert bm["tokenizer"]["kind"] == "clip-bpe" and bm["tokenizer"]["parity"]["identical"] == bm["tokenizer"]["parity"]["strings"]
    assert bm["text"]["dtype"] == "int8" and bm["text"]["parity"]["min_cosine"] >= 0.99
    assert bm["text"]["parity"]["strings"] >= 200
    img = bm["image"]
    assert img["dtype"] == "int8" and img["parity"]["min_cosine"] >= 0.99 and img["bytes"] < 20e6
    assert img["preprocess"] == {"size": [64, 64], "resize": "shortest", "crop": "center", "interpolation": "bicubic",
                                 "mean": img["preprocess"]["mean"], "std": img["preprocess"]["std"]}
    assert np.allclose(img["preprocess"]["mean"], [0.48145466, 0.4578275, 0.40821073], atol=1e-5)
    every = {rel for rel in m["files"] if rel.startswith("model/")}
    assert every == {"model/tokenizer.json", "model/text.onnx", "model/image.onnx", "model/index.i8",
                     "model/index.scale.f32", "model/dense.i8", "model/dense.scale.f32", "model/dense.boxes.json"}
    report = demo_site["report"]
    assert [s for s in report["stages"] if s["name"] == "browser-model"]
    assert report["metrics"]["browser_model"]["index"]["recall_at_10"] == bm["index"]["recall_at_10"]


def _onnx_text(data: Path, bm: dict):
    from tokenizers import Tokenizer

    from builder.browser_model import export

    tok = Tokenizer.from_str((data / bm["tokenizer"]["file"]).read_text(encoding="utf-8"))
    sess = export.session((data / bm["text"]["file"]).read_bytes())
    return lambda texts: export.run(sess, np.array(T.encode_ids(tok, texts, bm["context_length"], 49406, 49407), np.int64))


def test_the_index_scores_like_the_builders_embeddings(demo_site):
    """Row i of the int8 index is point i; a typed query through the shipped files finds its object."""
    m, data = demo_site["manifest"], demo_site["data"]
    bm = m["browser_model"]
    ix = bm["index"]
    n = m["counts"]["N"]
    q = np.frombuffer((data / ix["file"]).read_bytes(), np.int8).reshape(n, ix["dim"])
    scale = np.frombuffer((data / ix["scales"]).read_bytes(), "<f4")
    assert ix["rows"] == n and ix["order"] == "points" and ix["recall_at_10"] >= 0.9
    rows = Q.dequantise(q, scale)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1, atol=0.02)
    items = json.loads((data / "items.json").read_text(encoding="utf-8"))
    embed = _onnx_text(data, bm)
    n_img = m["counts"]["I"]
    for colour in ("red", "blue"):
        e = embed([f"a photo of a {colour} thing"])[0]
        top = np.argsort(-(rows[:n_img] @ e))[:5]
        hits = sum(items["labels"][i]["colour"] == colour for i in top)
        assert hits >= 4, (colour, [items["labels"][i] for i in top])


def test_dense_features_cover_every_image_and_point_at_the_object(demo_site):
    m, data = demo_site["manifest"], demo_site["data"]
    d = m["browser_model"]["dense"]
    gh, gw = d["grid"]
    assert d["images"] == list(range(SIZE)) and (gh, gw) == (8, 8) and d["method"] == "clearclip"
    q = np.frombuffer((data / d["file"]).read_bytes(), np.int8).reshape(-1, d["dim"])
    scale = np.frombuffer((data / d["scales"]).read_bytes(), "<f4")
    assert len(q) == len(scale) == SIZE * gh * gw == d["rows"]
    boxes = json.loads((data / d["box"]).read_text())
    assert len(boxes) == SIZE and boxes[0] == [0.0, 0.0, 128.0, 128.0]  # 128-px demo images, square: all of it
    pg = demo_site["report"]["metrics"]["browser_model"]["dense"]["pointing_game"]
    assert pg["pairs"] == 100
    # any-prompt maps point at least as well as the gradient-free token maps (within 2 points)
    assert pg["accuracy"] == pg["by_method"]["clearclip"] >= pg["by_method"]["tokens"] - 0.02, pg


def test_a_rebuild_takes_the_stage_from_the_cache_and_off_leaves_no_trace(demo_site):
    from builder.pipeline import build

    cfg, root = demo_site["cfg"], demo_site["root"]
    logs: list[str] = []
    report = build(cfg, root / "site", progress=False, log=logs.append)
    stage = next(s for s in report["stages"] if s["name"] == "browser-model")
    assert stage["cached"] and not any("dense features" in line for line in logs)
    model = next(s for s in report["stages"] if s["name"] == "model")
    assert model.get("note") == "not loaded: every stage that needs it came from the cache", model
    from support import NO_ANALYSES

    off = config.load(None, dataset__size=SIZE, cache_dir=cfg.cache_dir, embed__workers=0, **NO_ANALYSES)
    assert not off.browser_model.enabled
    build(off, root / "site-off", progress=False, log=lambda m: None)
    man = json.loads((root / "site-off" / "data" / "demo" / "manifest.json").read_text(encoding="utf-8"))
    assert "browser_model" not in man and not any(k.startswith("model/") for k in man["files"])
