"""Every kind of unit the layer inspector marks as visualisable: its maps, its optimisation, and one
dataset pass reading every chosen layer at once.

Mechanics on tiny random models and an open_clip RN50 with random weights (tiny steps); the kinds
of the trained demo model from its shipped weights.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from builder.compute import neurons as N
from builder.compute.fvis import transform as T
from builder.compute.fvis.probes import SUPPORTED_KINDS, Reader, probes_for
from builder.models.inspect import vision_layers

pytestmark = pytest.mark.usefixtures("one_thread")

MEAN, STD = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)
ATTN_OUT = "visual.transformer.resblocks.1.attn.out_proj"


def recipe(size=32, steps=6, input_size=None) -> N.Recipe:
    return N.Recipe(size=size, input_size=input_size or (size, size), mean=MEAN, std=STD, steps=steps, lr=0.1)


def test_inspector_marks_attention_output_channels(tiny_vit):
    layers = {e["name"]: e for e in vision_layers(tiny_vit.model)}
    assert layers[ATTN_OUT]["kind"] == "attention output channels" and layers[ATTN_OUT]["units"] == 64
    assert layers["visual.transformer.resblocks.1.mlp.c_fc"]["kind"] == "linear"  # other Linears stay linear
    probes = probes_for(tiny_vit.model)
    assert probes[ATTN_OUT].kind == "attention output channels"
    kinds = {p.kind for p in probes.values()}
    assert {"mlp hidden units", "residual stream", "attention heads", "attention output channels"} <= kinds


def test_attention_output_channel_maps_are_the_attention_output_on_patch_tokens(tiny_vit):
    model = tiny_vit.model
    x = torch.randn(2, 3, 32, 32)
    seen = {}
    attn = model.visual.transformer.resblocks[1].attn
    h = attn.register_forward_hook(lambda m, i, o: seen.setdefault("o", o[0]))
    with torch.no_grad():
        model.visual(x)
    h.remove()
    with torch.no_grad():
        maps = Reader(model, [probes_for(model)[ATTN_OUT]])(x)[ATTN_OUT]
    out = seen["o"] if getattr(attn, "batch_first", True) else seen["o"].transpose(0, 1)
    assert maps.shape == (2, 64, 16)
    assert torch.allclose(maps, out[:, 1:].transpose(1, 2), atol=1e-6)


def test_every_vit_kind_climbs_in_one_batch(tiny_vit):
    """One batch mixing a unit of each ViT kind: every image ends above where it started."""
    probes = probes_for(tiny_vit.model)
    layers = {"visual.transformer.resblocks.1.mlp.gelu": [3], "visual.transformer.resblocks.1": [5],
              "visual.transformer.resblocks.1.attn": [1], ATTN_OUT: [7]}
    jobs = N.make_jobs(layers, 0)
    start = N.visualise(tiny_vit.model, probes, jobs, recipe(steps=1), 8)
    out = N.visualise(tiny_vit.model, probes, jobs, recipe(steps=12), 8)
    assert len(N.plan_batches(jobs, 8)) == 4  # one batch per layer
    assert (out["activation"] > start["activation"]).all(), (start["activation"], out["activation"])


def test_rn50_stage_channels_with_random_weights():
    """An open_clip RN50 (random weights): its stages are visualisable and a few steps at 64 px raise
    a stage channel (the forward pass stops after the probed stage, so the 224 px attention pool is
    never reached)."""
    from builder.models.loading import random_model
    from support import threads

    lm = random_model("RN50")
    with torch.no_grad():
        for name, p in lm.model.visual.named_parameters():
            if name.endswith("bn3.weight"):
                p.fill_(1.0)  # open_clip zero-inits them: a random ResNet would pass only its skips
    probes = probes_for(lm.model)
    stages = [n for n, p in probes.items() if p.kind == "resnet stage channels"]
    assert stages == [f"visual.layer{i}" for i in range(1, 5)]
    assert probes["visual.layer2"].units == 512 and probes["visual.layer4"].units == 2048
    jobs = N.make_jobs({"visual.layer2": [0, 1]}, 0)
    with threads(1):
        start = N.visualise(lm.model, probes, jobs, recipe(64, 1), 2)
        out = N.visualise(lm.model, probes, jobs, recipe(64, 4), 2)
    assert out["images"].shape == (2, 3, 64, 64)
    assert (out["activation"] > start["activation"]).all()


def test_dataset_pass_reads_every_layer_in_one_forward_per_batch(tiny_vit):
    """All chosen layers of every kind from one forward pass per batch, not one pass per layer."""
    model = tiny_vit.model
    probes = probes_for(model)
    names = [n for n in probes if ".resblocks." in n]
    calls = []
    h = model.visual.conv1.register_forward_hook(lambda *a: calls.append(1))
    x = torch.randn(6, 3, 32, 32)
    try:
        acts = N.dataset_activations(model, [probes[n] for n in names], {}, [x[:3], x[3:]])
    finally:
        h.remove()
    assert len(calls) == 2  # two batches, one forward each
    assert set(acts) == set(names) and len({probes[n].kind for n in names}) == 4
    assert acts[ATTN_OUT]["mean"].shape == (6, 64)


def test_shifted_crops_match_per_image_slices():
    x = torch.randn(5, 3, 20, 20, requires_grad=True)
    dx, dy = np.array([0, 3, 1, 6, 2]), np.array([4, 0, 6, 1, 2])
    ref = torch.stack([x[i, :, dy[i]:dy[i] + 14, dx[i]:dx[i] + 14] for i in range(5)])
    got = T.shifted_crops(x, dx, dy, 14, 14)
    assert torch.equal(got, ref)
    g_ref, = torch.autograd.grad((ref * ref).sum(), x)
    g_got, = torch.autograd.grad((got * got).sum(), x)
    assert torch.allclose(g_ref, g_got)


def test_supported_kinds_cover_the_inspector_of_the_demo_model():
    from builder.models import demo as demo_model

    model, _, _ = demo_model.create_demo_model(weights=True)
    marked = {e["name"] for e in vision_layers(model) if e["kind"] in SUPPORTED_KINDS}
    assert marked == set(probes_for(model))
    blocks = len(model.visual.transformer.resblocks)
    assert sum(1 for n in marked if n.endswith(".attn.out_proj")) == blocks
