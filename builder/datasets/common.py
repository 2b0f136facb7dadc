"""Shared checks for every adapter: safe paths, clean captions, unique ids, sampling.

Every problem becomes an `Issue` (skipped or repaired, with a reason); nothing is dropped silently.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np

from builder.records import BadItem, Issue, Record

MAX_CAPTION_CHARS = 1000


def safe_path(root: Path, relative: str) -> Path:
    """The file `relative` inside `root`, or BadItem if it is absolute or escapes the root
    (through `..` or a symlink)."""
    if not isinstance(relative, str) or not relative.strip():
        raise BadItem("no image path given")
    rel = Path(relative)
    if rel.is_absolute() or relative.startswith(("/", "\\")) or (len(relative) > 1 and relative[1] == ":"):
        raise BadItem(f"absolute image path {relative!r} is not allowed; paths are relative to the dataset root")
    root_resolved = root.resolve()
    full = (root / rel)
    resolved = full.resolve()
    if not resolved.is_relative_to(root_resolved):
        why = "a symlink pointing" if ".." not in rel.parts else "a path"
        raise BadItem(f"{why} outside the dataset root: {relative!r}")
    return resolved


def clean_captions(raw, item_id: str, source: str, issues: list[Issue]) -> tuple[str, ...]:
    """Strip, normalise (NFC), drop empty and truncate overlong captions, reporting each repair."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple)):
        raise BadItem(f"captions must be a string or a list of strings, got {type(raw).__name__}")
    out = []
    for n, cap in enumerate(raw):
        if not isinstance(cap, str):
            issues.append(Issue(item_id, source, "repaired", f"caption {n} is not text ({type(cap).__name__}); dropped"))
            continue
        text = unicodedata.normalize("NFC", " ".join(cap.split()))
        if not text:
            issues.append(Issue(item_id, source, "repaired", f"caption {n} is empty or whitespace; dropped"))
            continue
        if len(text) > MAX_CAPTION_CHARS:
            issues.append(Issue(item_id, source, "repaired",
                                f"caption {n} has {len(text)} characters; truncated to {MAX_CAPTION_CHARS}"))
            text = text[:MAX_CAPTION_CHARS]
        out.append(text)
    if not out:
        raise BadItem("no usable caption")
    return tuple(out)


def build_record(row: dict, root: Path, source: str, issues: list[Issue]) -> Record:
    """One manifest-like row -> Record; raises BadItem for an unusable row."""
    if not isinstance(row, dict):
        raise BadItem("row is not an object")
    item_id = str(row.get("id") or row.get("image") or "").strip()
    if not item_id:
        raise BadItem("row has neither id nor image")
    image = safe_path(root, row.get("image", ""))
    if not image.is_file():
        raise BadItem(f"missing file {row.get('image')!r}")
    captions = clean_captions(row.get("captions", row.get("caption", [])), item_id, source, issues)
    labels = row.get("labels") or {}
    if not isinstance(labels, dict):
        raise BadItem("labels must be an object of field -> value")
    labels = {str(k): str(v) for k, v in labels.items() if v is not None and str(v).strip()}
    box = row.get("box")
    if box is not None:
        if not (isinstance(box, (list, tuple)) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box)):
            issues.append(Issue(item_id, source, "repaired", "box is not four numbers; ignored"))
            box = None
        else:
            box = tuple(float(v) for v in box)
    extra = row.get("extra") if isinstance(row.get("extra"), dict) else {}
    return Record(item_id, image, captions, labels, box, extra)


def dedupe_and_sample(records: list[Record], issues: list[Issue], source: str, limit: int,
                      seed: int) -> tuple[list[Record], int]:
    """Drop duplicate ids (first wins, each reported), then keep a seeded sample of `limit` (0 = all),
    in the original order. Returns (records, number of good items left out by sampling)."""
    seen: set[str] = set()
    unique = []
    for r in records:
        if r.id in seen:
            issues.append(Issue(r.id, source, "skipped", "duplicate id; the first item with this id is kept"))
            continue
        seen.add(r.id)
        unique.append(r)
    if limit and len(unique) > limit:
        keep = np.sort(np.random.default_rng(seed).choice(len(unique), size=limit, replace=False))
        return [unique[i] for i in keep], len(unique) - limit
    return unique, 0
