import pytest

from builder import config
from builder.config import ConfigError


def test_defaults_build_the_demo_world():
    cfg = config.load()
    assert cfg.dataset.kind == "demo" and cfg.model.name == "demo" and cfg.local.k == 30


def test_toml_and_overrides(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[dataset]\nkind = "manifest"\npath = "m.jsonl"\n[projection]\nmin_dist = 0\n')
    cfg = config.load(p, dataset__limit=5, embed__device=None)
    assert cfg.dataset.limit == 5 and cfg.projection.min_dist == 0.0
    assert cfg.resolve(cfg.dataset.path) == tmp_path / "m.jsonl"


@pytest.mark.parametrize("text, message", [
    ('[dataset]\nkind = "flickr"\n', "dataset.kind = 'flickr' is not allowed; allowed: demo, coco, manifest, folder"),
    ('[dataset]\nsizee = 3\n', "unknown field dataset.sizee; allowed:"),
    ('[local]\nk = "many"\n', "local.k must be int"),
    ('[embed]\ndevice = "tpu"\n', "allowed: auto, cpu, cuda, mps"),
    ('[dataset]\nkind = "folder"\n', "dataset.path is required"),
    ('[dataset\n', "is not valid TOML"),
])
def test_errors_name_the_field_and_allowed_values(tmp_path, text, message):
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as exc:
        config.load(p)
    assert message in str(exc.value)


def test_missing_file():
    with pytest.raises(ConfigError, match="does not exist"):
        config.load("/nonexistent/x.toml")
