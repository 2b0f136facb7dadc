"""Every label field gets a value buffer: the contract accepts label_<f> and nothing like it, the
collection codes each image's value, and a real build writes one buffer per field (captions take
their image's value, 255 = none) that manifest.legends.fields names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from builder import config, contract
from builder.datasets import collect
from builder.errors import ContractError
from builder.io.artifacts import DatasetArtifacts
from builder.pipeline import build
from builder.records import OTHER, Collection, Record
from support import NO_ANALYSES, write_tagged_dataset

DEMO_FIELDS = ["shape", "colour", "size", "background", "position"]


def _artifacts(n_img: int, label: np.ndarray) -> DatasetArtifacts:
    """The required buffers of n_img images with one caption each, plus `label` as label_0."""
    n = 2 * n_img
    a = DatasetArtifacts("t")
    a.add_buffer("positions", np.zeros((n, 3), np.float16))
    for name in ("modality", "category", "cluster"):
        a.add_buffer(name, np.zeros(n, np.uint8))
    a.add_buffer("caption_image", np.arange(n_img, dtype=np.uint32))
    a.add_text("captions", [f"c{i}" for i in range(n_img)])
    a.add_buffer("label_0", label)
    return a


def test_contract_knows_label_buffers_and_refuses_others():
    spec = contract.global_spec("label_31")
    assert (spec.name, spec.dtype, spec.shape) == ("label_31", "uint8", ("N",))
    assert contract.label_buffer(4) == "label_4"
    for bad in ("label_32", "label_99", "label_x", "label_01", "label_", "labels", "label_-1"):
        assert contract.global_spec(bad) is None, bad
    with pytest.raises(ValueError, match="outside 0..31"):
        contract.label_buffer(32)
    with pytest.raises(ContractError, match="label_0 .. label_31"):
        DatasetArtifacts("t").add_buffer("label_32", np.zeros(4, np.uint8))
    counts = {"N": 8, "I": 4, "C": 4, "K": 1, "L": 0}
    files, manifest = _artifacts(4, np.array([0, 1, 255, 1, 0, 1, 255, 1], np.uint8)).serialise(counts, {})
    assert manifest["buffers"]["label_0"]["shape"] == [8] and files["label_0.bin"] == bytes([0, 1, 255, 1] * 2)
    with pytest.raises(ContractError, match="'label_0' has shape"):
        _artifacts(4, np.zeros(7, np.uint8)).serialise(counts, {})
    with pytest.raises(ContractError, match="'label_0' has dtype"):
        _artifacts(4, np.zeros(8, np.uint16)).serialise(counts, {})


def test_demo_world_codes_every_field_of_every_image(tmp_path):
    cfg = config.load(None, dataset__size=40, cache_dir=str(tmp_path / "cache"))
    col = collect(cfg, tmp_path / "cache")
    codes = col.label_codes()
    assert [f for f, _, _ in codes] == DEMO_FIELDS
    for field, names, values in codes:
        assert values.dtype == np.uint8 and len(values) == 40
        assert names == sorted({r.labels[field] for r in col.records})
        assert [names[v] for v in values] == [r.labels[field] for r in col.records]


def test_missing_values_are_255_and_rare_values_beyond_254_share_other():
    recs = [Record(f"r{i}", Path(f"/x/{i}.png"), ("c",), {"id": f"v{i:03d}", **({"half": "a"} if i % 2 else {})})
            for i in range(300)]
    col = Collection("t", recs + [Record("dup", Path("/x/d.png"), ("c",), {"id": "v000"})], [], 301)
    (f1, names1, v1), (f2, names2, v2) = col.label_codes()
    assert (f1, f2) == ("id", "half")
    assert len(names1) == 254 and names1[-1] == OTHER and names1[0] == "v000"
    assert v1.max() == 253 and names1[v1[0]] == names1[v1[-1]] == "v000"  # the one value seen twice is kept
    assert sum(names1[v] == OTHER for v in v1) == 301 - 254  # v000 twice, v001..v252 once
    assert names2 == ["a"] and v2[:4].tolist() == [255, 0, 255, 0]
    assert [f for f, _, _ in col.label_codes(max_fields=1)] == ["id"]


@pytest.fixture(scope="module")
def tagged_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("tagged")
    manifest = write_tagged_dataset(root / "ds", n=30, tags=12)
    cfg = config.load(None, dataset__kind="manifest", dataset__path=str(manifest), cache_dir=str(root / "cache"),
                      embed__workers=0, **NO_ANALYSES)
    build(cfg, root / "site", progress=False, log=lambda m: None)
    data = root / "site" / "data" / "manifest"
    rows = [json.loads(line) for line in manifest.read_text().splitlines()]
    return data, json.loads((data / "manifest.json").read_text()), rows


def test_a_manifest_build_writes_one_buffer_per_field(tagged_build):
    data, m, rows = tagged_build
    fields = m["legends"]["fields"]
    assert [(f["field"], f["buffer"]) for f in fields] == [("tag", "label_0"), ("group", "label_1")]
    assert fields[0]["names"] == [f"tag-{t:02d}" for t in range(12)] and fields[1]["names"] == ["cool", "warm"]
    n_img = m["counts"]["I"]
    caption_image = np.fromfile(data / "caption_image.bin", "<u4")
    for f in fields:
        values = np.fromfile(data / m["buffers"][f["buffer"]]["file"], np.uint8)
        assert len(values) == m["counts"]["N"] and m["buffers"][f["buffer"]]["dtype"] == "uint8"
        for i in (0, 1, 5, 13, 29):  # image 0, 5: no group
            want = rows[i]["labels"].get(f["field"])
            assert values[i] == (f["names"].index(want) if want else 255), (f["field"], i)
            own = np.flatnonzero(caption_image == i)
            assert len(own) == 2 and (values[n_img + own] == values[i]).all()
