"""MS-COCO captions: an images folder + captions_*.json, optionally instances_*.json (object
categories and super-categories as labels, the largest object's box) and the Karpathy split file
(dataset_coco.json) to select e.g. its 5,000-image test split.

Labels per image: `category` (the category with the largest total area in the image) and
`supercategory` (its super-category). Images without instance annotations keep no labels.

Dataset order: the captions file's annotations first (a caption for an image id the file does not
list, or a repeated annotation id, is reported and ignored), then the images in id order. Every
file_name goes through the one root check (`common.safe_path`) of the images folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from builder.errors import DatasetNotFound
from builder.datasets.common import ItemLog
from builder.records import Collection, Issue


def _load_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise DatasetNotFound(f"COCO {what} file {str(path)!r} does not exist")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise DatasetNotFound(f"COCO {what} file {str(path)!r} is not valid JSON: {exc.msg} "
                                f"(line {exc.lineno})") from None
    except UnicodeDecodeError as exc:
        raise DatasetNotFound(f"COCO {what} file {str(path)!r} is not UTF-8 text "
                              f"(byte {exc.object[exc.start]:#04x} at offset {exc.start})") from None
    if not isinstance(data, dict) or not isinstance(data.get("images", []), list):
        got = f"a JSON {type(data).__name__}" if not isinstance(data, dict) else "an object whose 'images' is not a list"
        raise DatasetNotFound(f"COCO {what} file {str(path)!r} is {got}; expected an object with an 'images' "
                              "list (and 'annotations' for captions and instances), as in COCO's annotations")
    return data


def _captions_by_image(caps: dict, source: str, log: ItemLog) -> tuple[dict, dict]:
    """(image id -> its captions in file order, image id -> its repairs). A caption for an image id
    the file does not list is reported (ignored); a repeated annotation id keeps its first caption,
    a repair reported with its image (so only when the image is kept)."""
    known = {im.get("id") for im in caps.get("images", []) if isinstance(im, dict) and _key(im.get("id"))}
    by_image: dict = {}
    repairs: dict = {}
    seen: set = set()
    for n, ann in enumerate(caps.get("annotations", [])):
        ann = ann if isinstance(ann, dict) else {}
        ann_id, img = ann.get("id"), ann.get("image_id")
        if not _key(img) or img not in known:
            log.report(Issue(f"annotation {ann_id if _key(ann_id) else n}", source, "ignored",
                             f"caption for image id {img!r}, which is not in the file's images"))
            continue
        if _key(ann_id) and ann_id in seen:
            repairs.setdefault(img, []).append(Issue(str(img), source, "repaired", (
                f"annotation id {ann_id!r} is repeated; only its first caption is kept")))
            continue
        seen.add(ann_id)
        by_image.setdefault(img, []).append(ann.get("caption", ""))
    return by_image, repairs


def _key(value) -> bool:
    """Whether a JSON value can be an id (a number or a string)."""
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)


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
                 karpathy: Path | None = None, split: str = "", limit: int = 0, seed: int = 0,
                 strict: bool = False) -> Collection:
    images = Path(images)
    if not images.is_dir():
        raise DatasetNotFound(f"COCO images folder {str(images)!r} does not exist")
    caps = _load_json(Path(captions), "captions")
    labels = _instance_labels(_load_json(Path(instances), "instances")) if instances else {}
    keep = _karpathy_files(Path(karpathy), split) if karpathy else None
    log = ItemLog(images, strict)
    by_image, repairs = _captions_by_image(caps, Path(captions).name, log)
    for im in sorted((im for im in caps.get("images", []) if isinstance(im, dict)), key=_image_order):
        file_name = im.get("file_name", "")
        if keep is not None and file_name not in keep:
            continue
        lab, box = labels.get(im.get("id"), ({}, None))
        row = {"id": str(im.get("id")), "image": file_name, "captions": by_image.get(im.get("id"), []),
               "labels": lab, "box": list(box) if box else None}
        log.add(row, str(im.get("id")), str(file_name), repairs.get(im.get("id"), []))
    desc = f"MS-COCO {Path(captions).name}" + (f", Karpathy {split} split" if keep is not None else "")
    return log.collection(name, desc, limit, seed, notes=log.missing_note(f"image ids looked up in {Path(captions).name}"))


def _image_order(im: dict):
    """Images in id order (numeric ids first, then any other ids as text)."""
    i = im.get("id")
    return (0, i, "") if _key(i) and not isinstance(i, str) else (1, 0, str(i))
