import pytest

from builder.config import ConfigError, ModelConfig
from builder.models import registry
from builder.models.loading import ModelUnavailable, check_weights_available, load_model


def test_openai_weights_get_quickgelu():
    assert registry.resolve(ModelConfig(name="ViT-B-32/openai")).arch == "ViT-B-32-quickgelu"
    spec = registry.resolve(ModelConfig(arch="ViT-B-32", pretrained="openai"))
    assert spec.arch == "ViT-B-32-quickgelu" and spec.weights == "openai"
    assert registry.resolve(ModelConfig(arch="ViT-B-32", pretrained="laion2b_s34b_b79k")).arch == "ViT-B-32"


def test_unknown_name_lists_choices():
    with pytest.raises(ConfigError, match="allowed: demo, ViT-B-32/openai"):
        registry.resolve(ModelConfig(name="nope"))


def test_relative_checkpoint_is_resolved_against_config_dir(tmp_path):
    spec = registry.resolve(ModelConfig(arch="ViT-S-32", checkpoint="w.pt"), tmp_path)
    assert spec.source == "checkpoint" and spec.weights == str(tmp_path / "w.pt")


def test_missing_checkpoint_is_one_clear_error(tmp_path):
    spec = registry.resolve(ModelConfig(arch="ViT-S-32", checkpoint=str(tmp_path / "none.pt")))
    with pytest.raises(ModelUnavailable, match="does not exist"):
        load_model(spec, "cpu")


def test_unknown_tag_lists_known_tags():
    with pytest.raises(ModelUnavailable, match="known tags: .*openai"):
        check_weights_available(registry.ModelSpec("x", "ViT-B-32", "pretrained", "no-such-tag"))


def test_offline_download_fails_fast_with_instructions(monkeypatch, tmp_path):
    # an empty HF cache and an unresolvable endpoint: the same state as a machine without network
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_ENDPOINT", "https://weights.invalid")
    import huggingface_hub.constants as c
    monkeypatch.setattr(c, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ModelUnavailable) as exc:
        load_model(registry.REGISTRY["RN50/openai"], "cpu")
    msg = str(exc.value)
    assert "RN50/openai" in msg and "--checkpoint FILE" in msg and "unreachable" in msg


def test_demo_weights_of_your_own_load_with_checkpoint(tmp_path):
    """`--checkpoint FILE` with the demo model takes a `train-demo --out FILE` weights file."""
    import torch

    from builder.models.demo import create_demo_model, save_state_file
    from builder.models.loading import ModelUnavailable, load_model

    model, _, tokenizer = create_demo_model(weights=False)
    with torch.no_grad():
        model.logit_scale.fill_(1.234)
    rows = torch.unique(tokenizer(["a red star"]))
    path = save_state_file(model.state_dict(), tmp_path / "mine.safetensors", rows)
    spec = registry.resolve(ModelConfig(name="demo", checkpoint=str(path)))
    assert spec.source == "checkpoint" and spec.arch == "atlas-demo"
    lm = load_model(spec, "cpu")
    assert abs(float(lm.model.logit_scale.detach()) - 1.234) < 1e-2
    assert lm.fingerprint != load_model(registry.resolve(ModelConfig()), "cpu").fingerprint
    # a fresh process, as a user runs it: the demo architecture is known before anything else ran
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "builder", "info", "--no-dataset", "--checkpoint", str(path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "mine.safetensors" in run.stdout, run.stdout + run.stderr
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not weights")
    with pytest.raises(ModelUnavailable, match="bad.safetensors"):
        load_model(registry.resolve(ModelConfig(name="demo", checkpoint=str(bad))), "cpu")
