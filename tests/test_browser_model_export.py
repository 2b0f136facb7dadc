"""Architecture coverage of the browser-model export (#14): open_clip ViT-B-32 and RN50 with random
weights (mechanics only) through torch.onnx.export, onnxruntime and int8 quantisation, beside the
demo model (tests/test_browser_model.py builds it). A few strings and images keep it short."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from builder.browser_model import export
from builder.browser_model.towers import image_tower_size, preprocess_facts, tokenizer_facts
from builder.compute.dense import dense_features
from builder.models.loading import random_model

TEXTS = ["a red star", "two dogs on a sofa, photographed from above", "x" * 300]


@pytest.fixture(scope="module", params=["ViT-B-32", "RN50"])
def arch(request):
    return random_model(request.param, seed=0)


@pytest.mark.slow
def test_text_tower_export_matches_torch(arch):
    facts, why = tokenizer_facts(arch)
    assert facts and not why and facts["context_length"] == 77
    tokens = arch.tokenizer(TEXTS).numpy()
    fp32 = export.export_text(arch.model, facts["context_length"])
    res = export.tower(export.TextTower(arch.model), fp32, tokens, True, 0.99, "strings")
    assert res["fp32_parity"]["min_cosine"] >= 0.999, res["fp32_parity"]
    assert res["int8_bytes"] < res["fp32_bytes"] / 3  # int8 weights: about a quarter of the file
    assert res["int8_parity"]["strings"] == len(TEXTS)
    assert res["dtype"] == ("int8" if res["int8_parity"]["min_cosine"] >= 0.99 else "fp32")
    out = export.run(export.session(res["bytes"]), tokens[:1])  # a batch of one: the batch axis is dynamic
    assert out.shape == (1, arch.model.visual.output_dim) and abs(np.linalg.norm(out) - 1) < 1e-4


@pytest.mark.slow
def test_image_tower_export_matches_torch(arch):
    size = tuple(arch.preprocessing.input_size)
    pixels = torch.randn(3, 3, *size, generator=torch.Generator().manual_seed(0)).numpy()
    fp32 = export.export_image(arch.model, size)
    res = export.tower(export.ImageTower(arch.model), fp32, pixels, False, 0.99, "images")
    assert res["dtype"] == "fp32" and res["why"] == "int8 switched off in the config"
    assert res["parity"]["min_cosine"] >= 0.999, res["parity"]
    assert image_tower_size(arch.model) > 20e6  # auto leaves both out of a site (over image_max_mb)
    pre = preprocess_facts(arch)
    assert pre["size"] == [224, 224] and pre["resize"] == "shortest" and pre["interpolation"] == "bicubic"


@pytest.mark.slow
def test_dense_features_have_the_grid_and_unit_rows(arch):
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    f = dense_features(arch.model, x, "clearclip")
    assert f.shape == (2, 49, arch.model.visual.output_dim)  # 7x7: ViT-B-32 patches, RN50 layer4
    assert np.allclose(np.linalg.norm(f, axis=2), 1, atol=1e-4)
