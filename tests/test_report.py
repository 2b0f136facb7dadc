"""The build report of a real build with many bad items, made from a config in a temporary folder:
issues grouped by kind on a page of bounded size (every issue in the JSON and the CSV file), every
stage timed on the page (render too), partial cache reuse on the console and the page, and no
absolute path of the building machine in any file of the site."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import cli
from builder.public_paths import PublicPaths
from support import write_colour_dataset

GOOD, MISSING = 50, 3000
REPO = Path(__file__).resolve().parents[1]


def _manifest(root: Path, n_good: int) -> Path:
    manifest = write_colour_dataset(root / "ds", n=n_good)
    with open(manifest, "a", encoding="utf-8") as f:
        for i in range(MISSING):
            f.write(json.dumps({"id": f"gone{i}", "image": f"images/gone-{i:05d}.png", "captions": ["a red square"]}) + "\n")
        f.write(json.dumps({"id": "outside", "image": "../x.png", "captions": ["x"]}) + "\n")
        f.write("not json\n")
    return manifest


def _build(proj: Path, out: str) -> str:
    result = CliRunner().invoke(cli, ["build", "--config", str(proj / "atlas.toml"), "--out", str(proj / out),
                                      "--no-progress"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two builds from tmp/proj/atlas.toml (relative dataset and cache paths): the first with 50
    good items and 3,002 bad ones, the second with 5 more good images (the rest from the cache)."""
    proj = tmp_path_factory.mktemp("report") / "proj"
    _manifest(proj, GOOD)
    (proj / "atlas.toml").write_text('cache_dir = "cache"\n[dataset]\nkind = "manifest"\npath = "ds/manifest.jsonl"\n'
                                     '[embed]\nworkers = 0\n' + "".join(f"[{a}]\nenabled = false\n" for a in (
                                         "saliency", "neurons", "topology", "robustness")), encoding="utf-8")
    first = _build(proj, "site")
    _manifest(proj, GOOD + 5)
    second = _build(proj, "site2")
    return proj, first, second


def _text(path: Path) -> str:
    page = re.sub(r"<script.*?</script>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_issues_grouped_by_kind_on_a_small_page(builds):
    proj, _, _ = builds
    site = proj / "site"
    page = (site / "build-report.html").read_text(encoding="utf-8")
    assert len(page.encode("utf-8")) < 200_000, len(page)
    text = _text(site / "build-report.html")
    assert "skipped: missing file … 3,000" in text  # the kind, without the file names, and its count
    assert "skipped: a path outside the dataset root: … 1" in text
    # the items of each kind are in collapsed <details>, the first 200 of the 3,000 listed
    assert '<details class="note">' in page and "<details open" not in page
    assert "gone199</code>" in page and "gone200</code>" not in page
    assert "The first 200 of 3,000 listed here" in text
    report = json.loads((site / "build-report.json").read_text(encoding="utf-8"))
    assert len(report["issues"]) == MISSING + 2
    assert report["issue_summary"][0] == {"action": "skipped", "kind": "missing file …", "count": MISSING,
                                          "example": report["issues"][0]}
    rows = list(csv.DictReader(io.StringIO((site / "build-issues.csv").read_text(encoding="utf-8"))))
    assert len(rows) == MISSING + 2 and rows[0]["reason"] == "missing file 'images/gone-00000.png'"
    assert 'href="build-issues.csv"' in page


def test_every_stage_is_on_the_page_with_its_time(builds):
    proj, _, _ = builds
    report = json.loads((proj / "site" / "build-report.json").read_text(encoding="utf-8"))
    text = _text(proj / "site" / "build-report.html")
    names = [s["name"] for s in report["stages"]]
    assert names[-1] == "render"
    for s in report["stages"]:
        assert re.search(rf"\b{re.escape(s['name'])} {s['seconds']:.2f} ", text), s
    assert f"Total: {sum(s['seconds'] for s in report['stages']):.1f} s" in text
    for path in (proj / "site").rglob("*"):
        assert not path.is_file() or b"@@atlas-" not in path.read_bytes(), path  # every placeholder filled


def test_partial_cache_reuse_on_the_console_and_the_page(builds):
    proj, first, second = builds
    assert "[embed-images]" in first and f"(embedded all {GOOD} images)" in first
    assert f"(embedded 5 of {GOOD + 5} images ({GOOD} from cache))" in second
    text = _text(proj / "site2" / "build-report.html")
    assert "embed-images" in text and f"partly cached embedded 5 of {GOOD + 5} images ({GOOD} from cache)" in text
    stages = {s["name"]: s for s in json.loads((proj / "site2" / "build-report.json").read_text())["stages"]}
    assert stages["embed-images"]["computed"] == 5 and stages["embed-images"]["total"] == GOOD + 5


def test_console_prints_the_issues_by_kind(builds):
    _, first, _ = builds
    assert f"  {MISSING:,} skipped: missing file … (e.g. manifest.jsonl:{GOOD + 1}: missing file " \
           "'images/gone-00000.png')" in first


def test_no_absolute_path_of_the_building_machine_in_the_site(builds):
    proj, _, _ = builds
    needles = {str(proj.parent), os.path.realpath(proj.parent), str(REPO), str(Path.home()) + os.sep}
    for site in (proj / "site", proj / "site2"):
        files = [p for p in site.rglob("*") if p.is_file()]
        assert len(files) > 20
        for path in files:
            data = path.read_bytes()
            for needle in needles:
                assert needle.encode() not in data, (path, needle)
    report = json.loads((proj / "site" / "build-report.json").read_text())
    assert report["config"]["dataset"]["path"] == "ds/manifest.jsonl"
    assert report["config"]["cache_dir"] == "cache" and report["config"]["base_dir"] == "."


def test_public_paths_relative_to_the_roots_or_just_the_name(tmp_path):
    p = PublicPaths([("", tmp_path / "cfg"), ("", tmp_path / "data")], home=tmp_path / "home")
    assert p.path(str(tmp_path / "cfg" / "ds" / "m.jsonl")) == "ds/m.jsonl"
    assert p.path(str(tmp_path / "cfg")) == "."
    assert p.path(str(tmp_path / "data" / "images")) == "images"
    assert p.path(str(tmp_path / "home" / ".cache" / "atlas")) == "~/.cache/atlas"
    assert p.path(str(tmp_path / "cfgx" / "w.pt")) == "…/w.pt"  # a sibling with the same prefix is outside
    assert p.path("rel/a.png") == "rel/a.png" and p.path("") == ""
    said = p.text(f"cannot read {tmp_path}/data/a.png, nor {tmp_path}/cfgx/b.png, in {tmp_path}/cfg.")
    assert said == f"cannot read a.png, nor {tmp_path}/cfgx/b.png, in .."
    cfg = p.config({"dataset": {"path": str(tmp_path / "cfg" / "m.csv")}, "model": {"checkpoint": "/opt/w.pt"},
                    "cache_dir": str(tmp_path / "home" / "c"), "base_dir": str(tmp_path / "cfg")})
    assert cfg == {"dataset": {"path": "m.csv"}, "model": {"checkpoint": "…/w.pt"}, "cache_dir": "~/c", "base_dir": "."}


def test_a_local_checkpoint_is_named_without_its_folder(tmp_path, tiny_vit):
    """The model description (in the report and every dataset manifest) names a checkpoint
    relative to the config's folder, or by its file name when it lies elsewhere."""
    import torch

    from builder.io.cache import Cache
    from builder.models.loading import load_model
    from builder.models.registry import ModelSpec
    from builder.pipeline import public_model_info

    cache = Cache(tmp_path / "cache")

    for folder in (tmp_path / "cfg" / "weights", tmp_path / "elsewhere"):
        folder.mkdir(parents=True)
        torch.save(tiny_vit.model.state_dict(), folder / "w.pt")
    public = PublicPaths([("", tmp_path / "cfg")])
    inside = load_model(ModelSpec("tiny-vit/checkpoint", "tiny-vit", "checkpoint", str(tmp_path / "cfg/weights/w.pt")), "cpu")
    outside = load_model(ModelSpec("tiny-vit/checkpoint", "tiny-vit", "checkpoint", str(tmp_path / "elsewhere/w.pt")), "cpu")
    assert public_model_info(inside, public, cache)["weights_source"] == "local checkpoint weights/w.pt"
    assert public_model_info(outside, public, cache)["weights_source"] == "local checkpoint …/w.pt"
    assert str(tmp_path) not in json.dumps(public_model_info(outside, public, cache))
