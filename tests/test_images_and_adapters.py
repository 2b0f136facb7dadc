"""Safe decoding and the manifest/folder adapters: every bad item is reported, none crashes."""

import json
import os

import pytest
from PIL import Image

from builder.datasets.folder import collect_folder
from builder.datasets.manifest import collect_manifest
from builder.io.images import load_rgb
from builder.records import BadItem


def _save(path, mode, size=(20, 10), **kw):
    img = Image.new(mode, size)
    img.save(path, **kw)
    return path


@pytest.mark.parametrize("mode, fmt", [("CMYK", "JPEG"), ("I;16", "PNG"), ("P", "PNG"), ("LA", "PNG"),
                                       ("RGBA", "PNG"), ("L", "PNG"), ("1", "PNG"), ("F", "TIFF")])
def test_every_mode_becomes_rgb(tmp_path, mode, fmt):
    p = _save(tmp_path / f"x.{fmt.lower()}", mode, format=fmt)
    img = load_rgb(p)
    assert img.mode == "RGB" and img.size == (20, 10)


def test_exif_rotation_is_applied(tmp_path):
    img = Image.new("RGB", (40, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 on display
    img.save(tmp_path / "r.jpg", exif=exif)
    assert load_rgb(tmp_path / "r.jpg").size == (10, 40)


def test_bad_files_raise_bad_item_with_reason(tmp_path):
    (tmp_path / "zero.png").write_bytes(b"")
    (tmp_path / "text.png").write_text("not an image")
    good = _save(tmp_path / "ok.png", "RGB", size=(64, 64))
    (tmp_path / "trunc.png").write_bytes(good.read_bytes()[:60])
    big = _save(tmp_path / "big.png", "1", size=(9000, 9000))
    cases = {"zero.png": "zero-byte", "text.png": "not an image", "trunc.png": "cannot decode",
             "missing.png": "missing file"}
    for name, reason in cases.items():
        with pytest.raises(BadItem, match=reason):
            load_rgb(tmp_path / name)
    with pytest.raises(BadItem, match="decompression bomb"):
        load_rgb(big, max_pixels=10_000_000)


def test_manifest_reports_every_bad_row(tmp_path):
    (tmp_path / "images").mkdir()
    _save(tmp_path / "images" / "a.png", "RGB")
    outside = tmp_path.parent / "outside.png"
    _save(outside, "RGB")
    os.symlink(outside, tmp_path / "images" / "link.png")
    rows = [
        {"id": "a", "image": "images/a.png", "captions": ["  a   cat ", "", "<script>alert(1)</script>"]},
        {"id": "a", "image": "images/a.png", "captions": ["dup"]},
        {"id": "b", "image": "../outside.png", "captions": ["x"]},
        {"id": "c", "image": "/etc/hostname", "captions": ["x"]},
        {"id": "d", "image": "images/link.png", "captions": ["x"]},
        {"id": "e", "image": "images/none.png", "captions": ["x"]},
        {"id": "f", "image": "images/a.png", "captions": ["   "]},
        {"id": "g", "image": "images/a.png", "captions": ["猫 " * 700]},
    ]
    text = "\n".join(json.dumps(r) for r in rows) + "\n{broken json\n"
    (tmp_path / "m.jsonl").write_text(text, encoding="utf-8")
    col = collect_manifest(tmp_path / "m.jsonl", "t")
    reasons = {(i.id, i.action): i.reason for i in col.issues}
    assert [r.id for r in col.records] == ["a", "g"]
    assert col.records[0].captions == ("a cat", "<script>alert(1)</script>")
    assert col.records[0].file == "images/a.png"  # relative to the dataset root, never absolute
    assert len(col.records[1].captions[0]) == 1000
    assert "duplicate id" in reasons[("a", "skipped")]
    assert "outside the dataset root" in reasons[("b", "skipped")]
    assert "absolute image path" in reasons[("c", "skipped")]
    assert "symlink" in reasons[("d", "skipped")]
    assert "missing file" in reasons[("e", "skipped")]
    assert "no usable caption" in reasons[("f", "skipped")]
    assert "truncated" in reasons[("g", "repaired")]
    assert any("invalid JSON" in i.reason for i in col.issues)
    c = col.counts()
    assert c["read"] == c["used"] + c["skipped"] + c["sampled_out"]
    assert c["read"] == 9


def test_csv_manifest_and_sampling(tmp_path):
    (tmp_path / "images").mkdir()
    for i in range(6):
        _save(tmp_path / "images" / f"{i}.png", "RGB")
    lines = ["image,caption,label:kind"] + [f"images/{i}.png,cap {i} || other {i},k{i % 2}" for i in range(6)]
    lines.append("images/0.png,more for zero,k0")
    lines.append("images/1.png,x,y,z,extra")
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n")
    col = collect_manifest(tmp_path / "m.csv", "t")
    assert len(col.records) == 6 and col.records[0].captions == ("cap 0", "other 0", "more for zero")
    assert col.records[1].labels == {"kind": "k1"}
    assert any("too many fields" in i.reason for i in col.issues)
    sampled = collect_manifest(tmp_path / "m.csv", "t", limit=3, seed=1)
    assert len(sampled.records) == 3 and sampled.sampled_out == 3
    assert [r.id for r in sampled.records] == [r.id for r in collect_manifest(tmp_path / "m.csv", "t", limit=3, seed=1).records]


def test_folder_with_sidecars(tmp_path):
    (tmp_path / "cats").mkdir()
    _save(tmp_path / "cats" / "1.png", "RGB")
    (tmp_path / "cats" / "1.txt").write_text("a cat\nanother cat\n")
    _save(tmp_path / "cats" / "2.png", "RGB")
    col = collect_folder(tmp_path, "f")
    assert len(col.records) == 1 and col.records[0].labels == {"folder": "cats"}
    assert col.records[0].captions == ("a cat", "another cat")
    assert col.records[0].file == "cats/1.png"
    assert col.issues[0].id == "cats/2.png" and "no caption file" in col.issues[0].reason


def test_coco_with_instances_and_karpathy_split(tmp_path):
    from builder.datasets.coco import collect_coco

    (tmp_path / "val").mkdir()
    for i in range(4):
        _save(tmp_path / "val" / f"COCO_{i}.jpg", "RGB", size=(100, 50), format="JPEG")
    caps = {"images": [{"id": i, "file_name": f"COCO_{i}.jpg", "width": 100, "height": 50} for i in range(5)],
            "annotations": [{"image_id": i, "caption": f"a photo {i} <b>x</b>"} for i in range(5)]
            + [{"image_id": 0, "caption": "second caption"}, {"image_id": 2, "caption": "   "}]}
    inst = {"images": caps["images"], "categories": [{"id": 1, "name": "dog", "supercategory": "animal"},
                                                     {"id": 2, "name": "car", "supercategory": "vehicle"}],
            "annotations": [{"image_id": 0, "category_id": 1, "area": 10, "bbox": [0, 0, 10, 10]},
                            {"image_id": 0, "category_id": 2, "area": 500, "bbox": [50, 0, 50, 50]},
                            {"image_id": 1, "category_id": 1, "area": 30, "bbox": [0, 0, 5, 5]}]}
    karpathy = {"images": [{"filename": f"COCO_{i}.jpg", "split": "test" if i != 3 else "train"} for i in range(5)]}
    for name, obj in (("c.json", caps), ("i.json", inst), ("k.json", karpathy)):
        (tmp_path / name).write_text(json.dumps(obj))
    col = collect_coco(tmp_path / "val", tmp_path / "c.json", "coco", tmp_path / "i.json", tmp_path / "k.json", "test")
    assert [r.id for r in col.records] == ["0", "1", "2"]
    assert col.records[0].labels == {"category": "car", "supercategory": "vehicle"}
    assert col.records[0].box == (0.5, 0.0, 1.0, 1.0) and col.records[0].captions[1] == "second caption"
    assert col.records[2].labels == {}
    assert col.read == 4 and [i.id for i in col.skipped] == ["4"]  # COCO_4.jpg is missing
    assert any(i.action == "repaired" and i.id == "2" for i in col.issues)
    with pytest.raises(FileNotFoundError, match="splits in k.json"):
        collect_coco(tmp_path / "val", tmp_path / "c.json", "coco", karpathy=tmp_path / "k.json", split="val")
