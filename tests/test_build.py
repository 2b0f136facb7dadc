"""End to end: a small demo-world build into a temporary folder, its report, its artifacts, and
rebuilds (cached, incremental, deterministic, atomic when killed)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from builder import config
from builder.cli import cli
from builder.datasets import collect
from builder.io.writer import SiteWriter
from builder.pipeline import build
from support import CORE_ONLY, NO_ANALYSES

SIZE = 240


def _cfg(cache: Path, **over) -> config.Config:
    """The demo world without the analyses (tests/test_full_build.py builds them all)."""
    return config.load(None, dataset__size=over.pop("size", SIZE), cache_dir=str(cache), **{**NO_ANALYSES, **over})


def _tree_hashes(root: Path, pattern: str = "data/**/*") -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.glob(pattern)) if p.is_file()}


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    cache = root / "cache"
    report = build(_cfg(cache), root / "site", progress=False, log=lambda m: None)
    return root, cache, report


def test_report_has_everything_the_issue_names(demo_build):
    root, _, report = demo_build
    on_disk = json.loads((root / "site" / "build-report.json").read_text())
    assert on_disk["schema_version"] == report["schema_version"] == 1
    assert on_disk["config"]["dataset"]["size"] == SIZE
    names = [s["name"] for s in on_disk["stages"]]
    for stage in ("collect", "model", "embed-images", "embed-captions", "metrics", "knn", "umap",
                  "local-views", "clusters", "render"):
        assert stage in names
    assert all(isinstance(s["seconds"], float) and isinstance(s["cached"], bool) for s in on_disk["stages"])
    # the kNN stage, exact on this CPU, says why its work may grow with N squared
    knn = next(s for s in on_disk["stages"] if s["name"] == "knn")
    assert knn["note"].startswith("exact, ") and "grows with N²" in knn["note"] and "local.exact_max = 200,000" in knn["note"]
    c = on_disk["dataset"]["counts"]
    assert c["read"] == c["used"] + c["skipped"] + c["sampled_out"] and c["used"] == SIZE
    r = on_disk["metrics"]["retrieval"]
    assert set(r) == {f"{d}@{k}" for d in ("i2t", "t2i") for k in (1, 5, 10)}
    assert r["i2t@10"] >= r["i2t@5"] >= r["i2t@1"] > 0.1
    same = on_disk["metrics"]["retrieval_same_text"]  # the demo world's captions share texts
    assert set(same) == set(r) and all(same[k] >= r[k] for k in r) and same["i2t@1"] > r["i2t@1"]
    texts = on_disk["metrics"]["caption_texts"]
    assert texts["captions"] == c["captions"] and 0 < texts["shared"] <= texts["captions"]
    assert texts["distinct"] < texts["captions"]
    zs = on_disk["metrics"]["zero_shot"]
    assert zs["colour"]["accuracy"] >= 0.95 and zs["shape"]["accuracy"] >= 0.5  # chance 1/8
    assert 0.5 < on_disk["metrics"]["umap_trustworthiness"]["value"] <= 1.0
    assert on_disk["artifacts"]["bytes_per_point_global"] <= 8


def test_artifacts_match_their_manifest(demo_build):
    root, _, _ = demo_build
    data = root / "site" / "data" / "demo"
    m = json.loads((data / "manifest.json").read_text())
    n, k = m["counts"]["N"], m["counts"]["K"]
    assert n == SIZE * 3 and k == 30
    for name, b in m["buffers"].items():
        raw = (data / b["file"]).read_bytes()
        assert len(raw) == b["bytes"] == int(np.prod(b["shape"])) * np.dtype(b["dtype"]).itemsize
        assert hashlib.sha256(raw).hexdigest() == b["sha256"]
    # per-shard and bulk checksums live in checksums.json (off the first frame's path), itself checked
    sums_raw = (data / m["checksums"]["file"]).read_bytes()
    assert hashlib.sha256(sums_raw).hexdigest() == m["checksums"]["sha256"] and len(sums_raw) == m["checksums"]["bytes"]
    sums = json.loads(sums_raw)
    assert "sha256" not in m["local"] and len(sums["local"]["sha256"]) == m["local"]["shards"]
    for i, h in enumerate(sums["local"]["sha256"]):
        assert hashlib.sha256((data / m["local"]["file_pattern"].format(index=i)).read_bytes()).hexdigest() == h
    for rel, f in sums["files"].items():
        assert hashlib.sha256((data / rel).read_bytes()).hexdigest() == f["sha256"], rel
    assert set(m["files"]) <= set(sums["files"])
    pos = np.frombuffer((data / "positions.bin").read_bytes(), "<f2").reshape(n, 3)
    assert np.isfinite(pos).all() and pos.std() > 0.1
    shard0 = (data / "local/shard-00000.bin").read_bytes()
    nb = np.frombuffer(shard0[: m["local"]["rows_per_shard"] * k * 4], "<u4").reshape(-1, k)
    assert (nb < n).all() and (nb[:, 0] != np.arange(len(nb))).all()
    captions = (data / "captions.txt").read_bytes()
    offsets = np.frombuffer((data / "caption_offsets.bin").read_bytes(), "<u4")
    assert offsets[-1] == len(captions)
    for page in ("index.html", "explorer.html", "method.html", "dataset.html", "metrics.html",
                 "build-report.html", "explorer/index.html", "explorer/app.js", "data/index.json"):
        assert (root / "site" / page).is_file(), page


def test_neighbours_share_attributes(demo_build):
    """The demo world as oracle: an image's nearest image neighbours mostly share its colour."""
    root, _, _ = demo_build
    data = root / "site" / "data" / "demo"
    m = json.loads((data / "manifest.json").read_text())
    items = json.loads((data / "items.json").read_text())
    labels = items["labels"]
    # file names relative to the dataset root: the demo world's generated names, no machine path
    assert items["files"] == [f"images/{i}.png" for i in items["ids"]]
    k, rows = m["counts"]["K"], m["local"]["rows_per_shard"]
    agree = total = 0
    for s in range(m["local"]["shards"]):
        raw = (data / m["local"]["file_pattern"].format(index=s)).read_bytes()
        nb = np.frombuffer(raw[: len(raw) // (k * 4 + k * 4 + k * 2 + 4) * k * 4], "<u4").reshape(-1, k)
        for row, neigh in enumerate(nb):
            p = s * rows + row
            if p >= SIZE:
                break
            imgs = [q for q in neigh[:5] if q < SIZE]
            agree += sum(labels[q]["colour"] == labels[p]["colour"] for q in imgs)
            total += len(imgs)
    assert total > 0 and agree / total > 0.6


def test_each_demo_field_has_a_buffer_holding_each_points_value(demo_build):
    """One uint8 buffer per label field of the demo world, named in legends.fields; an image's
    value indexes the field's names, and its captions carry the same value."""
    root, cache, _ = demo_build
    data = root / "site" / "data" / "demo"
    m = json.loads((data / "manifest.json").read_text())
    records = collect(_cfg(cache), cache).records
    fields = m["legends"]["fields"]
    assert [f["field"] for f in fields] == ["shape", "colour", "size", "background", "position"]
    caption_image = np.fromfile(data / "caption_image.bin", "<u4")
    for f in fields:
        values = np.fromfile(data / m["buffers"][f["buffer"]]["file"], np.uint8)
        assert len(values) == 3 * SIZE and f["names"] == sorted({r.labels[f["field"]] for r in records})
        for i in (0, 7, 101, SIZE - 1):
            assert f["names"][values[i]] == records[i].labels[f["field"]]
            assert (values[SIZE + np.flatnonzero(caption_image == i)] == values[i]).all()
    default = next(f for f in fields if f["field"] == m["legends"]["category"]["field"])
    assert (np.fromfile(data / "category.bin", np.uint8) == np.fromfile(data / f"{default['buffer']}.bin", np.uint8)).all()


def test_rebuild_is_cached_and_byte_identical(demo_build, tmp_path):
    root, cache, _ = demo_build
    report = build(_cfg(cache), tmp_path / "again", progress=False, log=lambda m: None)
    stages = {s["name"]: s for s in report["stages"]}
    for name in ("embed-images", "embed-captions", "knn", "umap", "local-views", "clusters"):
        assert stages[name]["cached"], name
    assert _tree_hashes(root / "site") == _tree_hashes(tmp_path / "again")


def test_adding_images_embeds_only_the_new_ones(demo_build, tmp_path):
    _, cache, _ = demo_build
    report = build(_cfg(cache, size=SIZE + 12), tmp_path / "more", progress=False, log=lambda m: None)
    stages = {s["name"]: s for s in report["stages"]}
    assert stages["embed-images"]["computed"] == 12 and not stages["embed-images"]["cached"]


def test_killed_build_leaves_previous_site_and_resumes_identically(demo_build, tmp_path):
    root, _, _ = demo_build
    cache = tmp_path / "cache"
    site = tmp_path / "site"
    previous = SiteWriter()
    previous.add_files({"build-report.json": "{}", "index.html": "previous"})
    previous.write(site)  # a previous site, with the writer's stamp
    cmd = [sys.executable, "-m", "builder", "build", "--out", str(site), "--cache-dir", str(cache),
           "--demo-size", str(SIZE), "--no-progress", *CORE_ONLY]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = []
    deadline = time.time() + 300
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("[umap] ...") or time.time() > deadline:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert any(s.startswith("[umap]") for s in seen), seen
    assert (site / "index.html").read_text() == "previous"  # untouched
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[embed-images]" in done.stderr and f"(all {SIZE} images from cache)" in done.stderr.split("[embed-images]")[2]
    assert _tree_hashes(site) == _tree_hashes(root / "site")
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".site.")]  # no staging, tmp or old


def test_output_folder_not_made_by_us_is_refused(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    result = CliRunner().invoke(cli, ["build", "--out", str(tmp_path / "mine"), "--demo-size", "20",
                                      "--cache-dir", str(tmp_path / "c"), "--no-progress"])
    assert result.exit_code == 1 and "was not made by CLIP Atlas" in result.output
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_strict_names_the_first_bad_item(colour_manifest, tmp_path):
    with open(colour_manifest, "a") as f:
        f.write(json.dumps({"id": "evil", "image": "../../etc/passwd", "captions": ["x"]}) + "\n")
    result = CliRunner().invoke(cli, ["build", "--dataset", "manifest", "--data", str(colour_manifest),
                                      "--strict", "--out", str(tmp_path / "s"), "--cache-dir",
                                      str(tmp_path / "c"), "--no-progress"])
    assert result.exit_code == 1 and "--strict" in result.output and "'evil'" in result.output
    assert "Traceback" not in result.output


def test_every_option_of_every_command_has_help():
    for name, command in cli.commands.items():
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        for param in command.params:
            if param.name != "help" and hasattr(param, "help"):
                assert param.help, f"{name} --{param.name} has no help text"


def test_info_lists_model_dataset_and_layers(tmp_path):
    result = CliRunner().invoke(cli, ["info", "--layers", "--demo-size", "30", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "arch             atlas-demo" in out and "embed_dim" in out and "image_size" in out
    assert "visual.transformer.resblocks.0.mlp.gelu" in out and "mlp hidden units" in out
    assert "label colour:" in out and "used             30" in out


def test_metrics_page_shows_the_reports_figures(demo_build):
    """The page renders the report the pipeline writes (dicts per field), not 'n/a'."""
    import html as html_mod
    import re

    root, _, _ = demo_build
    on_disk = json.loads((root / "site" / "build-report.json").read_text())
    text = html_mod.unescape(re.sub(r"<[^>]+>", " ", (root / "site" / "metrics.html").read_text(encoding="utf-8")))
    text = re.sub(r"\s+", " ", text)
    for field, entry in on_disk["metrics"]["zero_shot"].items():
        assert f"{field} {100 * entry['accuracy']:.1f} %" in text, field
    assert "best-matching sentence" in text  # the demo world's rule is explained
    for key, name in (("retrieval", "strict"), ("retrieval_same_text", "same text")):
        r = on_disk["metrics"][key]
        assert f"Image → text, {name} " + " ".join(f"{100 * r[f'i2t@{k}']:.1f} %" for k in (1, 5, 10)) in text
    t = on_disk["metrics"]["caption_texts"]
    assert f"Here {t['shared']:,} of the {t['captions']:,} captions" in text
    for key, fig in on_disk["metrics"]["projections"].items():  # one table row per projection
        if "trustworthiness" in fig:
            assert f"{fig['label']} {fig['trustworthiness']['value']:.3f}" in text, key


def test_strict_names_the_first_bad_item_in_dataset_order(colour_manifest, tmp_path):
    """A decode failure (item1) comes before an adapter issue (missing file, the last line): the
    decode failure is named, and the build stops in `collect`, before the model is loaded."""
    (colour_manifest.parent / "images" / "001.png").write_bytes(b"not an image")
    with open(colour_manifest, "a") as f:
        f.write(json.dumps({"id": "late", "image": "images/none.png", "captions": ["x"]}) + "\n")
    result = CliRunner().invoke(cli, ["build", "--dataset", "manifest", "--data", str(colour_manifest), "--strict",
                                      "--out", str(tmp_path / "s"), "--cache-dir", str(tmp_path / "c"), "--no-progress"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "--strict: skipped item 'item1' (manifest.jsonl:2): not an image file" in result.output
    assert "'late'" not in result.output and "[model]" not in result.output


def test_clamped_parameters_are_recorded_with_the_values_used(tmp_path):
    from support import write_colour_dataset

    manifest = write_colour_dataset(tmp_path / "ds", n=3)  # 3 images + 6 captions = 9 points
    report = build(config.load(None, dataset__kind="manifest", dataset__path=str(manifest), cache_dir=str(tmp_path / "c"),
                               embed__workers=0, **NO_ANALYSES), tmp_path / "s", progress=False, log=lambda m: None)
    assert report["parameters"] == {
        "local.k": {"used": 8, "requested": 30, "clamped": True},
        "projection.n_neighbors": {"used": 8, "requested": 15, "clamped": True},
        "cluster.n_clusters": {"used": 9, "requested": 12, "clamped": True}}
    m = json.loads((tmp_path / "s" / "data" / "manifest" / "manifest.json").read_text())
    assert m["counts"]["K"] == 8
    assert m["build"]["local"]["k"] == 8 and m["build"]["local"]["requested"] == 30 and m["build"]["local"]["clamped"]
    assert (m["build"]["umap"]["n_neighbors"], m["build"]["umap"]["requested"]) == (8, 15)
    assert (m["build"]["clusters"]["k"], m["build"]["clusters"]["requested"]) == (9, 12)
    on_disk = json.loads((tmp_path / "s" / "build-report.json").read_text())
    assert on_disk["parameters"] == report["parameters"]
    method = (tmp_path / "s" / "method.html").read_text(encoding="utf-8")
    assert "local.k 30 → 8, projection.n_neighbors 15 → 8, cluster.n_clusters 12 → 9" in method.replace("\\", "")


def _build_stderr(tmp_path, name: str, *extra: str, tty: bool) -> str:
    """stderr of a small real build, to a pseudo-terminal (`tty`) or to a pipe."""
    import pty

    args = [sys.executable, "-m", "builder", "build", "--demo-size", "40", "--workers", "0",
            "--out", str(tmp_path / name), "--cache-dir", str(tmp_path / f"cache-{name}"), *CORE_ONLY, *extra]
    if not tty:
        return subprocess.run(args, capture_output=True, text=True, timeout=600, check=True).stderr
    import fcntl
    import struct
    import termios

    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))  # a 120-column terminal
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=child)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(parent, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=600) == 0
    os.close(parent)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")  # the terminal's own line ends


@pytest.mark.slow
def test_progress_bars_only_on_a_terminal_and_never_with_no_progress(tmp_path):
    on_tty = _build_stderr(tmp_path, "a", tty=True)
    assert "demo world seed 0" in on_tty and "\r" in on_tty  # the bars are drawn on a terminal
    quiet = _build_stderr(tmp_path, "b", "--no-progress", tty=True)
    piped = _build_stderr(tmp_path, "c", tty=False)
    for err in (quiet, piped):
        assert "[collect]" in err and "[umap]" in err  # stage timings are still printed
        assert "\r" not in err and "demo world seed" not in err and "img/s" not in err
