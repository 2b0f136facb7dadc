"""The shipped demo CLIP: loads offline, is an ordinary open_clip model, meets its held-out bar."""

import json

import numpy as np
import open_clip
import pytest
import torch

from builder.models.demo import (
    DEMO_ARCH,
    METRICS_PATH,
    WEIGHTS_PATH,
    DemoWeightsMissing,
    create_demo_model,
    load_state_file,
    save_state_file,
)
from builder.training.train_demo import evaluate

N_HELDOUT = 300


@pytest.fixture(scope="module")
def demo():
    torch.set_num_threads(2)
    return create_demo_model()


@pytest.fixture(scope="module")
def heldout(demo):
    return evaluate(*demo, n=N_HELDOUT)


def test_weights_ship_small_and_load_offline(demo, monkeypatch):
    assert WEIGHTS_PATH.is_file() and WEIGHTS_PATH.stat().st_size <= 20_000_000
    model, _, _ = demo
    assert not model.training
    assert all(p.dtype == torch.float32 for p in model.parameters())
    # no network: creating it again with downloads forbidden still works
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(open_clip.factory, "download_pretrained", lambda *a, **k: pytest.fail("download"))
    create_demo_model()


def test_it_is_an_open_clip_vit_with_open_clips_preprocess(demo):
    model, preprocess, tokenizer = demo
    assert isinstance(model, open_clip.CLIP)
    assert isinstance(model.visual, open_clip.transformer.VisionTransformer)
    cfg = open_clip.get_model_config(DEMO_ARCH)
    size = cfg["vision_cfg"]["image_size"]
    expected = open_clip.transform.image_transform_v2(open_clip.transform.PreprocessCfg(**model.visual.preprocess_cfg), is_train=False)
    assert repr(preprocess) == repr(expected)
    assert preprocess.transforms[-1].mean == open_clip.OPENAI_DATASET_MEAN
    assert isinstance(tokenizer, open_clip.SimpleTokenizer)
    assert tokenizer(["a red circle"]).shape == (1, cfg["text_cfg"]["context_length"])
    from PIL import Image

    x = preprocess(Image.new("RGB", (128, 128), "red"))
    assert x.shape == (3, size, size)


def test_sparse_weights_round_trip(tmp_path, demo):
    model, _, _ = demo
    state = model.state_dict()
    rows = torch.nonzero(state["token_embedding.weight"].abs().sum(1)).flatten()
    path = save_state_file(state, tmp_path / "w.safetensors", rows)
    back = load_state_file(path, model.vocab_size)
    assert set(back) == set(state)
    for k in state:
        torch.testing.assert_close(back[k], state[k].half().float())


def test_missing_weights_say_how_to_make_them(tmp_path):
    with pytest.raises(DemoWeightsMissing, match="python -m builder train-demo"):
        create_demo_model(tmp_path / "absent.safetensors")


def test_heldout_quality_meets_the_bar(heldout):
    assert heldout["zeroshot_colour"] >= 0.95
    # Issue target: shape >= 0.90. On n = 1000 held-out items the shipped weights reach 0.922; this
    # sample of 300 has a standard error of about 0.015, hence the margin.
    assert heldout["zeroshot_shape"] >= 0.88
    assert heldout["attribute_match@1"] >= 0.85
    assert heldout["i2t@10"] > heldout["i2t@1"] > 0.05


def test_random_weights_are_near_chance():
    model, preprocess, tokenizer = create_demo_model(weights=False)
    m = evaluate(model, preprocess, tokenizer, n=120)
    assert m["zeroshot_colour"] < 0.4 and m["zeroshot_shape"] < 0.4  # chance is 1/8
    assert m["attribute_match@1"] < 0.3  # chance is about 1/64


def test_recorded_metrics_match_the_shipped_weights(heldout):
    recorded = json.loads(METRICS_PATH.read_text())
    assert recorded["weights_bytes"] == WEIGHTS_PATH.stat().st_size
    for key in ("zeroshot_colour", "zeroshot_shape", "attribute_match@1"):
        assert abs(recorded["heldout"][key] - heldout[key]) < 0.05, key
    assert np.isfinite(recorded["typographic_attack"]["colour"]["word_wins"])


def test_shape_hard_negatives_swap_only_the_objects_shape():
    from builder.datasets.demo import ATTRIBUTES, render_item
    from builder.training.train_demo import shape_token_positions, swap_shapes

    tokenizer = open_clip.get_tokenizer(DEMO_ARCH)
    shapes = ATTRIBUTES["shape"]
    shape_ids = tokenizer(list(shapes))[:, 1]
    # item captions, including ones whose written word is itself a shape name
    metas = [render_item(1, i)[1] for i in range(60)]
    metas += [render_item(1, i, word=shapes[(shapes.index(render_item(1, i)[1]["labels"]["shape"]) + 1) % 8])[1]
              for i in range(20)]
    captions = [m["captions"][0] for m in metas]
    truth = torch.tensor([shapes.index(m["labels"]["shape"]) for m in metas])
    tokens = tokenizer(captions)
    pos = shape_token_positions(tokens, shape_ids)
    neg = swap_shapes(tokens, pos, truth, shape_ids, 3, np.random.default_rng(0))
    assert neg.shape == (len(captions), 3, tokens.shape[1])
    decode = open_clip.tokenizer.SimpleTokenizer().decode
    for i, m in enumerate(metas):
        new_shapes = set()
        for k in range(3):
            differs = torch.nonzero(neg[i, k] != tokens[i]).flatten().tolist()
            assert differs == [int(pos[i])]  # exactly one token changed: the object's shape
            new = shapes[shape_ids.tolist().index(int(neg[i, k, pos[i]]))]
            assert new != m["labels"]["shape"]
            new_shapes.add(new)
            text = decode(neg[i, k][neg[i, k] > 0].tolist())
            if m["word"]:
                assert f'" {m["word"]} "' in text or f'"{m["word"]}"' in text.replace(" ", "")  # the word kept
        assert len(new_shapes) == 3  # distinct replacements
    with pytest.raises(ValueError, match="names no shape"):
        shape_token_positions(tokenizer(["a red thing"]), shape_ids)


@pytest.mark.parametrize("options", [dict(hard_negatives=0, attribute_captions=0.0),
                                     dict(hard_negatives=2, attribute_captions=0.5, attribute_extras=0.5)])
def test_training_steps_run_and_lower_the_loss(options):
    """A few real optimiser steps of the training loop with each loss option: finite, decreasing
    loss on a fixed small set, and the options recorded."""
    from builder.training.train_demo import train

    torch.set_num_threads(2)
    model, info = train(steps=12, batch_size=16, n_images=16, lr=3e-3, warmup=1, workers=1, **options)
    assert not model.training
    assert info["hard_negatives"] == options["hard_negatives"]
    assert info["attribute_captions"] == options["attribute_captions"]
    losses = info["losses"]
    assert np.isfinite(losses).all() and np.mean(losses[-3:]) < np.mean(losses[:3])


def test_a_small_eval_only_run_prints_its_table_but_keeps_the_recorded_figures(tmp_path):
    import shutil

    from click.testing import CliRunner

    from builder.cli import cli
    from builder.training.ship import metrics_path

    weights = tmp_path / "atlas-demo.safetensors"
    shutil.copy(WEIGHTS_PATH, weights)
    shutil.copy(METRICS_PATH, metrics_path(weights))
    before = metrics_path(weights).read_bytes()
    result = CliRunner().invoke(cli, ["train-demo", "--eval-only", "--out", str(weights), "--eval-n", "40"])
    assert result.exit_code == 0, result.output
    assert "held-out demo world (seed 2, n = 40)" in result.output and "zeroshot_shape" in result.output
    assert "left atlas-demo.metrics.json as it was: --eval-n 40 is below the recorded n = 1000" in result.output
    assert metrics_path(weights).read_bytes() == before

    report = json.loads(before)
    report["heldout"]["n"] = 20  # a record made from fewer items is replaced by a larger measurement
    metrics_path(weights).write_text(json.dumps(report))
    result = CliRunner().invoke(cli, ["train-demo", "--eval-only", "--out", str(weights), "--eval-n", "40"])
    assert result.exit_code == 0, result.output
    assert "updated atlas-demo.metrics.json" in result.output
    assert json.loads(metrics_path(weights).read_text())["heldout"]["n"] == 40
