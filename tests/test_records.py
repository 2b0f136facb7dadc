"""The one rule for the category field, the category buckets, label counts and class prompts."""

from __future__ import annotations

import pytest

from builder.config import ConfigError
from builder.records import MAX_CATEGORIES, NONE, OTHER, Collection, Record


def col_of(labels: list[dict], prompts: dict | None = None) -> Collection:
    recs = [Record(str(i), None, ("c",), lab) for i, lab in enumerate(labels)]
    return Collection("t", recs, [], len(recs), label_prompts=prompts or {})


def test_category_field_is_the_field_most_images_have_then_the_first():
    col = col_of([{"shape": "abc"[i % 3], "size": "sl"[i % 2], "one": "x"} for i in range(6)])
    assert col.label_fields() == ["shape", "size", "one"]
    assert col.category_field() == "shape"  # both cover every image: the first wins; "one" has one value
    # a field every image has beats an earlier field some images lack (COCO: images without instances)
    col = col_of([{"category": "cat", "folder": "a"}, {"folder": "b"}, {"category": "dog", "folder": "a"}])
    assert col.category_field() == "folder"
    assert col_of([{"x": "1"}, {"x": "1"}]).category_field() is None


def test_a_preferred_field_wins_and_a_bad_one_says_which_exist():
    col = col_of([{"shape": "abc"[i % 3], "size": "sl"[i % 2]} for i in range(6)])
    assert col.category_field("size") == "size"
    with pytest.raises(ConfigError, match=r"'colour' is not a label field .* \(label fields: shape, size\)"):
        col.category_field("colour")


def test_images_without_the_field_are_none_and_values_beyond_the_limit_are_other():
    col = col_of([{"f": "b"}, {}, {"f": "a"}, {"f": "b"}])
    names, idx = col.categories("f")
    assert names == ["a", "b", NONE] and idx.tolist() == [1, 2, 0, 1]
    names, idx = col.categories("f", none_bucket=False)
    assert names == ["a", "b"] and idx.tolist() == [1, -1, 0, 1]
    # 300 values, value v on v+1 images: the most frequent stay, the rest share "other"
    labels = [{"f": f"v{v:03d}"} for v in range(300) for _ in range(v + 1)] + [{}]
    names, idx = col_of(labels).categories("f")
    assert len(names) == MAX_CATEGORIES and names[-2:] == [OTHER, NONE] and idx.max() == MAX_CATEGORIES - 1
    kept = set(names[:-2])
    assert "v299" in kept and "v000" not in kept and len(kept) == MAX_CATEGORIES - 2
    assert names[idx[0]] == OTHER and names[idx[-1]] == NONE  # v000's only image; the unlabelled one


def test_label_counts_and_class_prompts():
    col = col_of([{"f": "b"}, {"f": "a"}, {"f": "b"}], prompts={"f": {"a": ["an a", "the a"]}})
    assert col.label_counts("f") == {"a": 1, "b": 2} and list(col.label_counts("f")) == ["a", "b"]
    prompts, owner = col.class_prompts("f", ["a", "b"])
    assert prompts == ["an a", "the a", "a photo of a b."] and owner == [0, 0, 1]
