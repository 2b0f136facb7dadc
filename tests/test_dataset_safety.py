"""The one root check (datasets.common.safe_path) in every adapter, the dataset-order issue log
(ItemLog: repairs of skipped items are not counted, --strict stops at the first bad item) and
COCO's orphan and repeated annotations."""

from __future__ import annotations

import json
import os

import pytest
from PIL import Image

from builder.datasets.coco import collect_coco
from builder.datasets.folder import collect_folder
from builder.datasets.manifest import collect_manifest
from builder.errors import BuildError

SECRET = "TOP SECRET: outside the dataset"


def _png(path, colour=(200, 0, 0)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 16), colour).save(path)
    return path


@pytest.fixture
def outside(tmp_path):
    """Files next to (not inside) the dataset root: an image and a text file."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.txt").write_text(SECRET + "\n")
    return _png(tmp_path / "elsewhere" / "secret.png"), tmp_path / "elsewhere" / "secret.txt"


def test_folder_never_reads_a_symlinked_sidecar_or_image(tmp_path, outside):
    image_out, text_out = outside
    root = tmp_path / "ds"
    for name in ("ok", "linked_caption", "linked_image"):
        _png(root / "a" / f"{name}.png")
        (root / "a" / f"{name}.txt").write_text(f"caption of {name}\n")
    (root / "a" / "linked_caption.txt").unlink()
    os.symlink(text_out, root / "a" / "linked_caption.txt")
    (root / "a" / "linked_image.png").unlink()
    os.symlink(image_out, root / "a" / "linked_image.png")
    os.symlink(root / "a" / "ok.txt", root / "a" / "inside.txt")  # a link within the root is fine
    _png(root / "a" / "inside.png")
    col = collect_folder(root, "f")
    assert sorted(r.id for r in col.records) == ["a/inside.png", "a/ok.png"]
    assert all(SECRET not in c for r in col.records for c in r.captions)
    reasons = {i.id: i.reason for i in col.skipped}
    assert reasons == {"a/linked_caption.png": "a symlink pointing outside the dataset root: 'a/linked_caption.txt'",
                       "a/linked_image.png": "a symlink pointing outside the dataset root: 'a/linked_image.png'"}


def _coco(root, file_names, annotations=None):
    images = [{"id": i, "file_name": f} for i, f in enumerate(file_names)]
    anns = annotations if annotations is not None else [
        {"id": i, "image_id": i, "caption": f"caption {i}"} for i in range(len(file_names))]
    (root / "captions.json").write_text(json.dumps({"images": images, "annotations": anns}))
    return root / "captions.json"


@pytest.mark.parametrize("kind", ["manifest", "coco"])
def test_manifest_and_coco_refuse_paths_out_of_the_root(tmp_path, outside, kind):
    image_out, _ = outside
    root = tmp_path / "ds"
    _png(root / "ok.png")
    os.symlink(image_out, root / "link.png")
    names = ["ok.png", "link.png", "../elsewhere/secret.png", str(image_out)]
    if kind == "coco":
        col = collect_coco(root, _coco(tmp_path, names), "c")
    else:
        rows = [{"id": str(i), "image": n, "captions": [f"caption {i}"]} for i, n in enumerate(names)]
        (root / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        col = collect_manifest(root / "m.jsonl", "m")
    assert [r.id for r in col.records] == ["0"]
    reasons = {i.id: i.reason for i in col.skipped}
    assert reasons["1"] == "a symlink pointing outside the dataset root: 'link.png'"
    assert reasons["2"] == "a path outside the dataset root: '../elsewhere/secret.png'"
    assert reasons["3"].startswith("absolute image path") and "relative to the dataset root" in reasons["3"]
    assert col.counts()["read"] == 4 == col.counts()["used"] + col.counts()["skipped"]


def test_repairs_of_skipped_items_are_not_counted(tmp_path):
    for i in range(3):
        _png(tmp_path / f"{i}.png")
    rows = [{"id": "a", "image": "0.png", "captions": ["", "x"], "labels": "not a table"},  # repaired, then skipped
            {"id": "b", "image": "1.png", "captions": ["", "  ", "y"]},  # two repairs, one item
            {"id": "b", "image": "2.png", "captions": ["", "z"]}]  # repaired, then skipped as a duplicate
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    col = collect_manifest(tmp_path / "m.jsonl", "m")
    c = col.counts()
    assert (c["used"], c["skipped"], c["repaired"]) == (1, 2, 1)
    assert [(i.id, i.source, i.action) for i in col.issues] == [
        ("a", "m.jsonl:1", "skipped"), ("b", "m.jsonl:2", "repaired"), ("b", "m.jsonl:2", "repaired"),
        ("b", "m.jsonl:3", "skipped")]


def test_csv_with_a_byte_order_mark_is_read(tmp_path):
    for i in range(3):
        _png(tmp_path / f"{i}.png")
    text = "image,caption,label:kind\n" + "".join(f"{i}.png,caption {i},k{i}\n" for i in range(3))
    (tmp_path / "m.csv").write_text("\ufeff" + text, encoding="utf-8")  # as Excel's "CSV UTF-8" writes it
    col = collect_manifest(tmp_path / "m.csv", "m")
    assert [r.captions for r in col.records] == [("caption 0",), ("caption 1",), ("caption 2",)]
    assert col.records[2].labels == {"kind": "k2"} and not col.issues


def test_csv_with_a_byte_order_mark_through_the_command_line(tmp_path):
    from click.testing import CliRunner

    from builder.cli import cli

    for i in range(3):
        _png(tmp_path / f"{i}.png")
    (tmp_path / "m.csv").write_text("\ufeffimage,caption\n" + "".join(f"{i}.png,caption {i}\n" for i in range(3)),
                                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["info", "--dataset", "manifest", "--data", str(tmp_path / "m.csv"),
                                      "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert "used             3" in result.output and "skipped          0" in result.output


def test_coco_reports_orphan_and_repeated_annotations(tmp_path):
    root = tmp_path / "img"
    names = [_png(root / f"{i}.jpg").name for i in range(3)]
    anns = [{"id": 1, "image_id": 0, "caption": "zero"}, {"id": 2, "image_id": 1, "caption": "one"},
            {"id": 2, "image_id": 2, "caption": "repeated id"}, {"id": 3, "image_id": 99, "caption": "orphan"},
            {"id": 4, "image_id": 2, "caption": "two"}, {"id": 5, "image_id": 1, "caption": "again"}]
    names[1] = "gone.jpg"  # image 1 is skipped: its repair (none here) would not count
    col = collect_coco(root, _coco(tmp_path, names, anns), "c")
    assert [(r.id, r.captions) for r in col.records] == [("0", ("zero",)), ("2", ("two",))]
    assert [(i.id, i.action, i.reason) for i in col.issues] == [
        ("annotation 3", "ignored", "caption for image id 99, which is not in the file's images"),
        ("1", "skipped", "missing file 'gone.jpg'"),
        ("2", "repaired", "annotation id 2 is repeated; only its first caption is kept")]
    c = col.counts()
    assert (c["read"], c["used"], c["skipped"], c["repaired"]) == (3, 2, 1, 1)
    with pytest.raises(BuildError, match=r"--strict: ignored item 'annotation 3'"):
        collect_coco(root, tmp_path / "captions.json", "c", strict=True)


def test_strict_stops_at_the_first_bad_item_in_dataset_order(tmp_path):
    for i in range(5):
        _png(tmp_path / f"{i}.png")
    (tmp_path / "1.png").write_bytes(b"not an image")  # found only by decoding
    rows = [{"id": f"item{i}", "image": f"{i}.png", "captions": [f"c{i}"]} for i in range(5)]
    rows[3]["image"] = "missing.png"  # found by the adapter alone
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(BuildError, match=r"'item1' \(m.jsonl:2\): not an image file"):
        collect_manifest(tmp_path / "m.jsonl", "m", strict=True)
    lenient = collect_manifest(tmp_path / "m.jsonl", "m")  # without --strict decoding waits for the embed step
    assert [i.id for i in lenient.issues] == ["item3"] and len(lenient.records) == 4
