"""MS-COCO captions: an images folder + captions_*.json, optionally instances_*.json (object
categories and super-categories as labels, the largest object's box) and the Karpathy split file
(dataset_coco.json) to select e.g. its 5,000-image test split.

Labels per image: `category` (the category with the largest total area in the image) and
`supercategory` (its super-category). Images without instance annotations keep no labels.
"""

from __future__ import annotations

import json
from pathlib import Path

from builder.errors import DatasetNotFound
from builder.datasets.common import build_record, dedupe_and_sample
from builder.records import BadItem, Collection, Issue


def _load_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise DatasetNotFound(f"COCO {what} file {str(path)!r} does not exist")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetNotFound(f"COCO {what} file {str(path)!r} is not valid JSON: {exc.msg} "
                                f"(line {exc.lineno})") from None


def _instance_labels(instances: dict) -> dict[int, tuple[dict, tuple | None]]:
    """image id -> ({category, supercategory}, largest object's box as fractions)."""
    cats = {c["id"]: c for c in instances.get("categories", [])}
    sizes = {im["id"]: (im.get("width") or 0, im.get("height") or 0) for im in instances.get("images", [])}
    area: dict[int, dict[int, float]] = {}
    biggest: dict[int, tuple[float, list]] = {}
    for ann in instances.get("annotations", []):
        img, cat, a = ann.get("image_id"), ann.get("category_id"), float(ann.get("area") or 0)
        if img is None or cat not in cats:
            continue
        area.setdefault(img, {}).setdefault(cat, 0.0)
        area[img][cat] += a
        if a > biggest.get(img, (-1, None))[0] and ann.get("bbox"):
            biggest[img] = (a, ann["bbox"])
    out = {}
    for img, per_cat in area.items():
        cat = cats[max(sorted(per_cat), key=lambda c: per_cat[c])]
        box = None
        w, h = sizes.get(img, (0, 0))
        if img in biggest and w and h:
            x, y, bw, bh = biggest[img][1]
            box = (x / w, y / h, (x + bw) / w, (y + bh) / h)
        out[img] = ({"category": str(cat["name"]), "supercategory": str(cat.get("supercategory", ""))}, box)
    return out


def _karpathy_files(path: Path, split: str) -> set[str] | None:
    if not split:
        return None
    data = _load_json(path, "Karpathy split")
    names = {im["filename"] for im in data.get("images", []) if im.get("split") == split}
    if not names:
        splits = sorted({im.get("split") for im in data.get("images", [])})
        raise DatasetNotFound(f"Karpathy split {split!r} is empty; splits in {path.name}: {splits}")
    return names


def collect_coco(images: Path, captions: Path, name: str, instances: Path | None = None,
                 karpathy: Path | None = None, split: str = "", limit: int = 0, seed: int = 0) -> Collection:
    images = Path(images)
    if not images.is_dir():
        raise DatasetNotFound(f"COCO images folder {str(images)!r} does not exist")
    caps = _load_json(Path(captions), "captions")
    labels = _instance_labels(_load_json(Path(instances), "instances")) if instances else {}
    keep = _karpathy_files(Path(karpathy), split) if karpathy else None
    by_image: dict[int, list[str]] = {}
    for ann in caps.get("annotations", []):
        by_image.setdefault(ann.get("image_id"), []).append(ann.get("caption", ""))
    issues: list[Issue] = []
    records = []
    read = 0
    for im in sorted(caps.get("images", []), key=lambda im: im.get("id", 0)):
        file_name = im.get("file_name", "")
        if keep is not None and file_name not in keep:
            continue
        read += 1
        lab, box = labels.get(im.get("id"), ({}, None))
        row = {"id": str(im.get("id")), "image": file_name, "captions": by_image.get(im.get("id"), []),
               "labels": lab, "box": list(box) if box else None}
        try:
            records.append(build_record(row, images, file_name, issues))
        except BadItem as exc:
            issues.append(Issue(str(im.get("id")), file_name, "skipped", str(exc)))
    records, sampled_out = dedupe_and_sample(records, issues, Path(captions).name, limit, seed)
    desc = f"MS-COCO {Path(captions).name}" + (f", Karpathy {split} split" if keep is not None else "")
    return Collection(name, records, issues, read, desc, sampled_out)
