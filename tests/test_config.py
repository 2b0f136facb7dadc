import pytest

from builder import config
from builder.analyses.saliency.config import DEFAULT_PREFIXES, SaliencyConfig
from builder.analyses.topology.config import TopologyConfig
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


# -- the declarations: every range and choice is enforced, every field documented --------------------

from dataclasses import fields as dc_fields  # noqa: E402

from builder.schema import check_section, section_fields  # noqa: E402

VALID_BASE = {"dataset": {"path": "p", "captions": "c.json"}}  # lets every dataset.kind pass its rules
REPORT_ORDER = ["dataset", "model", "embed", "projection", "local", "cluster", "site", "browser_model",
                "saliency", "neurons", "topology", "robustness", "cache_dir", "strict", "base_dir"]


def _declared():
    return [(sec, f, spec) for sec, cls in config.SECTIONS.items() for f, spec in section_fields(cls)]


def _from(section: str, name: str, value):
    data = {k: dict(v) for k, v in VALID_BASE.items()}
    data.setdefault(section, {})[name] = value
    return config.from_dict(data)


def _with(f, spec, value, end: int):
    """`value` as the field holds it: a list field gets the default with item `end` replaced."""
    if tuple not in spec.types:
        return float(value) if float in spec.types else value
    items = list(f.default)
    items[end] = value
    return items


def _range_cases():
    """(section, field, spec, value, accepted) for both ends of every range and every choice."""
    for sec, f, spec in _declared():
        for choice in spec.choices or ():
            yield sec, f, spec, _with(f, spec, choice, 0), True
        if spec.choices is not None:
            yield sec, f, spec, _with(f, spec, "no-such-choice", 0), False
        if spec.lo is not None:
            yield sec, f, spec, _with(f, spec, spec.lo - 1, 0), False
            yield sec, f, spec, _with(f, spec, spec.lo, 0), not spec.lo_open
        if spec.hi is not None:
            yield sec, f, spec, _with(f, spec, spec.hi, -1), True
            yield sec, f, spec, _with(f, spec, spec.hi + 1, -1), False
        for extra in spec.also:
            yield sec, f, spec, _with(f, spec, extra, 0), True


RANGE_CASES = list(_range_cases())


def test_the_range_walk_covers_every_ranged_field():
    """Counted by hand from the declarations: 12 core fields (dataset 3, embed 3, projection 2, local 2,
    cluster 1, site 1) and 37 analysis fields (saliency 8, neurons 11, topology 9, robustness 9)."""
    ranged = {(sec, f.name) for sec, f, *_ in RANGE_CASES}
    assert len(ranged) >= 49
    assert {("local", "k"), ("embed", "device"), ("neurons", "lr"), ("robustness", "attack_pixels")} <= ranged
    assert len(RANGE_CASES) >= 4 * 40


@pytest.mark.parametrize("sec, f, spec, value, accepted", RANGE_CASES,
                         ids=[f"{s}.{f.name}={v!r}" for s, f, _, v, _ in RANGE_CASES])
def test_every_range_and_choice_is_enforced(sec, f, spec, value, accepted):
    if accepted:
        got = getattr(getattr(_from(sec, f.name, value), sec), f.name)
        assert got == (tuple(value) if isinstance(value, list) else value)
        return
    with pytest.raises(ConfigError) as exc:
        _from(sec, f.name, value)
    held = tuple(value) if isinstance(value, list) else value
    assert str(exc.value) == f"{sec}.{f.name} = {held!r} is not allowed; allowed: {spec.allowed}"
    for choice in spec.choices or ():
        assert str(choice) in spec.allowed
    if spec.hi is not None and tuple not in spec.types:
        assert f"{spec.hi:g}" in spec.allowed


def _wrong_item(spec):
    return 7 if spec.item is str else "x"


# Every custom check, with a value that only it refuses.
CHECK_BAD = {
    ("dataset", "name"): "my atlas",
    ("neurons", "layers"): ["visual.layer3", ""],
    ("neurons", "units"): [1, -2],
    ("topology", "blur_sigmas"): [1.0, 2.0],
    ("robustness", "attack_pixels"): [4, 4, 16],
}


def test_every_custom_check_has_a_case():
    assert set(CHECK_BAD) == {(sec, f.name) for sec, f, spec in _declared() if spec.check is not None}


@pytest.mark.parametrize("sec, name", list(CHECK_BAD))
def test_custom_checks_refuse(sec, name):
    spec = dict(((s, f.name), sp) for s, f, sp in _declared())[(sec, name)]
    value = CHECK_BAD[(sec, name)]
    held = tuple(value) if isinstance(value, list) else value
    with pytest.raises(ConfigError) as exc:
        _from(sec, name, value)
    assert str(exc.value) == f"{sec}.{name} = {held!r} is not allowed; allowed: {spec.allowed}"


LIST_FIELDS = [(sec, f, spec) for sec, f, spec in _declared() if tuple in spec.types and spec.item is not None]


@pytest.mark.parametrize("sec, f, spec", LIST_FIELDS, ids=[f"{s}.{f.name}" for s, f, _ in LIST_FIELDS])
def test_list_items_of_the_wrong_type_are_refused(sec, f, spec):
    value = [_wrong_item(spec), *f.default]
    with pytest.raises(ConfigError, match=f"^{sec}.{f.name} = .* is not allowed; allowed: "):
        _from(sec, f.name, value)
    if spec.min_len:
        with pytest.raises(ConfigError, match=rf"^{sec}.{f.name} = \(\) is not allowed"):
            _from(sec, f.name, [])


def test_table_entries_name_the_key():
    for name in ("category_prompts", "image_prompts"):
        with pytest.raises(ConfigError) as exc:
            config.from_dict({"saliency": {name: {"k1": ["ok"], "k2": ["ok", 3]}}})
        assert str(exc.value) == f"saliency.{name}.k2 = ['ok', 3] is not allowed; allowed: a list of strings"


@pytest.mark.parametrize("data, message", [
    ({"local": {"k": 1}}, "local.k = 1 is not allowed; allowed: 2..256"),
    ({"cluster": {"n_clusters": 255}}, "cluster.n_clusters = 255 is not allowed; allowed: 1..254"),
    ({"projection": {"min_dist": 1.5}}, "projection.min_dist = 1.5 is not allowed; allowed: 0.0..1.0"),
    ({"dataset": {"limit": -1}}, "dataset.limit = -1 is not allowed; allowed: 0 (all) or a positive integer"),
    ({"neurons": {"lr": 0}}, "neurons.lr = 0.0 is not allowed; allowed: a number in (0, 10]"),
    ({"neurons": {"size": 15}}, "neurons.size = 15 is not allowed; allowed: 0 (the model's input size) or 16..1024"),
    ({"neurons": {"exemplars": "max"}}, "neurons.exemplars = 'max' is not allowed; allowed: peak, mean"),
    ({"robustness": {"noise_std": []}}, "robustness.noise_std = () is not allowed; allowed: numbers in 0..1"),
    ({"robustness": {"attack_pixels": [4, 1]}}, "robustness.attack_pixels = (4, 1) is not allowed; allowed: "
                                               "increasing integers >= 1"),
    ({"topology": {"blur_sigmas": [0, True]}}, "topology.blur_sigmas = (0, True) is not allowed"),
    ({"site": {"thumb_size": True}}, "site.thumb_size must be int, got True"),
    ({"projection": {"min_dist": "far"}}, "projection.min_dist must be float, got 'far'"),
    ({"cache_dir": 3}, "cache_dir must be a string, got 3"),
    ({"dataset": 3}, "[dataset] must be a table, got int"),
    ({"bogus": 1}, "unknown field bogus; allowed: base_dir, browser_model, cache_dir, cluster, dataset, embed, local"),
    ({"dataset": {"name": "a/b"}}, "dataset.name = 'a/b' is not allowed; allowed: ASCII letters, digits, '-' and '_'"),
    ({"dataset": {"kind": "coco", "path": "x"}}, "dataset.captions (the captions_*.json file) is required"),
    ({"dataset": {"split": "test"}}, "dataset.split needs dataset.karpathy"),
    ({"saliency": {"prompts": ["x" * 201]}}, "saliency prompt 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... is 201 "
                                             "characters long; allowed: at most 200"),
])
def test_known_answers(data, message):
    with pytest.raises(ConfigError) as exc:
        config.from_dict(data)
    assert message in str(exc.value)


def test_known_accepted_values():
    cfg = config.from_dict({"local": {"k": 256}, "neurons": {"size": 0, "lr": 10}, "topology": {"noise_std": []},
                            "projection": {"min_dist": 1}, "robustness": {"attack_pixels": [2, 3]}})
    assert cfg.local.k == 256 and cfg.neurons.size == 0 and cfg.neurons.lr == 10.0 and cfg.topology.noise_std == ()
    assert cfg.projection.min_dist == 1.0 and cfg.robustness.attack_pixels == (2, 3)


def test_validate_checks_sections_built_directly():
    with pytest.raises(ConfigError, match="saliency.images = 0 is not allowed"):
        config.validate(config.Config(saliency=SaliencyConfig(images=0)))
    with pytest.raises(ConfigError, match="topology.max_points = 2 is not allowed; allowed: 8..20000"):
        check_section(TopologyConfig(max_points=2), "topology")
    assert config.validate(config.Config()) == config.Config()


def test_as_dict_keeps_the_report_order():
    d = config.load().as_dict()
    assert list(d) == REPORT_ORDER
    assert list(config.SECTIONS) == REPORT_ORDER[:12]
    assert list(d["saliency"])[:5] == ["enabled", "images", "word_images", "seed", "prefixes"]
    assert d["saliency"]["prefixes"] == DEFAULT_PREFIXES and d["saliency"]["category_prompts"] == {}
    assert d["robustness"]["attack_pixels"] == (1, 4, 16, 64, 256) and d["base_dir"] == "."


def test_every_field_is_documented():
    all_fields = [(sec, f) for sec, cls in config.SECTIONS.items() for f in dc_fields(cls)]
    all_fields += [("", f) for f in dc_fields(config.Config) if f.name not in config.SECTIONS]
    assert len(all_fields) > 80
    undocumented = [f"{sec}.{f.name}" for sec, f in all_fields
                    if "spec" not in f.metadata or len(f.metadata["spec"].doc) < 8]
    assert undocumented == []
    with pytest.raises(TypeError, match="every field a `doc`"):
        config.setting(3, doc="")


def test_reference_lists_every_field():
    md = config.reference_markdown()
    blocks = dict(b.split("\n", 1) for b in md.split("\n## ")[1:])
    assert list(blocks) == [f"[{s}]" for s in config.SECTIONS] + ["Top level"]
    for sec, cls in config.SECTIONS.items():
        for f, spec in section_fields(cls):
            assert f"| `{f.name}` |" in blocks[f"[{sec}]"], (sec, f.name)
    for name in ("cache_dir", "strict", "base_dir"):
        assert f"| `{name}` |" in blocks["Top level"]
    assert "| `k` | int | `30` | 2..256 | nearest neighbours per point" in blocks["[local]"]
    assert '| `prefixes` | list of strings | `["a photo of ", "", "an image of "]` |' in blocks["[saliency]"]
    assert "\\|a\\|" in blocks["[robustness]"] and "data/&lt;name&gt;" not in md and "data/&lt;name>/" in md
