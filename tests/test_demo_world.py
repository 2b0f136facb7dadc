"""The demo world generator: determinism, ground truth (boxes, labels, captions), the writer."""

import io
import json

import numpy as np
import pytest

from builder.datasets.demo import (
    ATTRIBUTES,
    COLOUR_JITTER,
    COLOUR_RGB,
    label_prompts,
    materialise,
    render_item,
)


def _png(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_attributes_are_rich_enough():
    assert len(ATTRIBUTES["shape"]) >= 6 and len(ATTRIBUTES["colour"]) >= 6
    assert ATTRIBUTES["size"] == ("small", "medium", "large")
    assert len(ATTRIBUTES["background"]) >= 4
    assert set(COLOUR_RGB) == set(ATTRIBUTES["colour"])


def test_same_seed_and_index_give_same_bytes():
    a, ma = render_item(3, 17)
    b, mb = render_item(3, 17)
    assert _png(a) == _png(b) and ma == mb


def test_different_indices_and_seeds_differ():
    imgs = [_png(render_item(0, i)[0]) for i in range(20)]
    assert len(set(imgs)) == 20
    assert _png(render_item(1, 5)[0]) != _png(render_item(0, 5)[0])


def test_meta_fields_and_image_size():
    img, meta = render_item(0, 4, image_size=96)
    assert img.size == (96, 96) and img.mode == "RGB"
    assert meta["id"] == "demo-0-000004"
    assert set(meta) == {"id", "captions", "labels", "box", "word"}
    assert set(meta["labels"]) == set(ATTRIBUTES)
    for attribute, value in meta["labels"].items():
        assert value in ATTRIBUTES[attribute]
    x0, y0, x1, y1 = meta["box"]
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1


@pytest.mark.parametrize("index", range(0, 60, 3))
def test_object_colour_pixels_lie_inside_the_box(index):
    img, meta = render_item(7, index)
    a = np.asarray(img).astype(int)
    rgb = np.array(COLOUR_RGB[meta["labels"]["colour"]])
    close = np.all(np.abs(a - rgb) <= COLOUR_JITTER + 2, axis=2)
    ys, xs = np.nonzero(close)
    assert len(xs) > 20, "the object is visible"
    s = img.size[0]
    x0, y0, x1, y1 = (np.array(meta["box"]) * s).round()
    assert xs.min() >= x0 and xs.max() < x1 and ys.min() >= y0 and ys.max() < y1
    # and the box is tight: the object fills its extremes
    assert xs.min() - x0 <= 2 and x1 - 1 - xs.max() <= 2


def test_captions_mention_labels_and_word():
    for i in range(200):
        _, meta = render_item(0, i)
        caps = meta["captions"]
        assert len(caps) == 2 and caps[0] != caps[1]
        for c in caps:
            assert meta["labels"]["colour"] in c and meta["labels"]["shape"] in c
            if meta["word"]:
                assert f'the word "{meta["word"]}"' in c
            else:
                assert "word" not in c


def test_about_a_fifth_carry_a_word():
    words = [render_item(0, i)[1]["word"] for i in range(500)]
    share = np.mean([bool(w) for w in words])
    assert 0.14 <= share <= 0.26
    assert any(w in ATTRIBUTES["colour"] for w in words) and any(w in ATTRIBUTES["shape"] for w in words)


def test_forced_word_changes_only_the_word():
    _, plain = render_item(2, 9, word="")
    img, forced = render_item(2, 9, word="blue")
    assert plain["word"] == "" and forced["word"] == "blue"
    assert plain["labels"]["colour"] == forced["labels"]["colour"]
    assert plain["labels"]["shape"] == forced["labels"]["shape"]
    assert all('"blue"' in c for c in forced["captions"])


def test_label_prompts_cover_every_value():
    prompts = label_prompts()
    for attribute, values in ATTRIBUTES.items():
        assert set(prompts[attribute]) == set(values)
        for value, texts in prompts[attribute].items():
            assert texts and all(isinstance(t, str) and t for t in texts)
            assert all(value in t for t in texts)


def test_materialise_writes_a_valid_manifest_and_is_idempotent(tmp_path):
    path = materialise(tmp_path, size=12, seed=0)
    assert path == tmp_path / "manifest.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"demo-0-{i:06d}" for i in range(12)]
    for r in rows:
        assert set(r) == {"id", "image", "captions", "labels", "box", "extra"}
        assert (tmp_path / r["image"]).is_file() and r["image"] == f"images/{r['id']}.png"
        assert "word" in r["extra"]
    assert _png(render_item(0, 3)[0]) == _png(__import__("PIL.Image").Image.open(tmp_path / rows[3]["image"]))
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    materialise(tmp_path, size=12, seed=0)  # complete: nothing is rewritten
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before
    assert not list(tmp_path.rglob("*.tmp"))


def test_materialise_with_other_parameters_replaces_the_dataset(tmp_path):
    materialise(tmp_path, size=6, seed=0)
    path = materialise(tmp_path, size=4, seed=5)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"demo-5-{i:06d}" for i in range(4)]
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == [f"demo-5-{i:06d}.png" for i in range(4)]
