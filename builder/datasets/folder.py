"""A plain folder of images, each with an optional sidecar `.txt` of captions (one per line).

Sub-folder names become the `folder` label, so a folder-per-class layout colours the map by class.
Images without a sidecar are skipped and reported (a caption is needed for the text side).
"""

from __future__ import annotations

from pathlib import Path

from builder.errors import DatasetNotFound
from builder.datasets.common import build_record, dedupe_and_sample
from builder.records import BadItem, Collection, Issue

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def collect_folder(root: Path, name: str, limit: int = 0, seed: int = 0) -> Collection:
    root = Path(root)
    if not root.is_dir():
        raise DatasetNotFound(f"dataset folder {str(root)!r} does not exist")
    issues: list[Issue] = []
    records = []
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))
    for path in files:
        rel = path.relative_to(root).as_posix()
        sidecar = path.with_suffix(".txt")
        try:
            if not sidecar.is_file():
                raise BadItem(f"no caption file {sidecar.name}")
            captions = sidecar.read_text(encoding="utf-8", errors="replace").splitlines()
            parent = path.parent.relative_to(root).as_posix()
            labels = {"folder": parent} if parent != "." else {}
            records.append(build_record({"id": rel, "image": rel, "captions": captions, "labels": labels},
                                        root, rel, issues))
        except BadItem as exc:
            issues.append(Issue(rel, rel, "skipped", str(exc)))
    records, sampled_out = dedupe_and_sample(records, issues, root.name, limit, seed)
    return Collection(name, records, issues, len(files), f"folder {root.name}", sampled_out)
