"""JSONL or CSV manifest of images (paths relative to the manifest's folder) and captions.

JSONL: one object per line: {"id"?, "image", "captions": [..] | "caption": "..", "labels"?: {..},
"box"?: [x0, y0, x1, y1]}.
CSV: columns image, caption (repeat rows or separate several captions with " || "), optional id,
and any `label:<field>` columns.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from builder.errors import DatasetNotFound
from builder.datasets.common import build_record, dedupe_and_sample
from builder.records import BadItem, Collection, Issue


def _rows_jsonl(path: Path, issues: list[Issue]):
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                issues.append(Issue(f"line {n}", path.name, "skipped", f"invalid JSON: {exc.msg}"))
                yield n, None


def _rows_csv(path: Path, issues: list[Issue]):
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "image" not in reader.fieldnames:
            raise BadItem(f"CSV manifest {path.name} needs an 'image' column; found {reader.fieldnames}")
        merged: dict[str, dict] = {}
        for n, row in enumerate(reader, start=2):
            if None in row:  # more fields than the header
                issues.append(Issue(f"line {n}", path.name, "skipped", "invalid CSV line: too many fields"))
                yield n, None
                continue
            key = (row.get("id") or row.get("image") or "").strip()
            caps = [c for c in (row.get("caption") or "").split(" || ")]
            labels = {k[6:]: v for k, v in row.items() if k and k.startswith("label:") and v}
            if key in merged:  # repeated rows add captions to the same image
                merged[key]["captions"].extend(caps)
                continue
            merged[key] = {"id": row.get("id") or None, "image": row.get("image", ""), "captions": caps,
                           "labels": labels, "_line": n}
        for row in merged.values():
            yield row.pop("_line"), row


def collect_manifest(path: Path, name: str, limit: int = 0, seed: int = 0,
                     label_prompts: dict | None = None, description: str = "") -> Collection:
    path = Path(path)
    if not path.is_file():
        raise DatasetNotFound(f"manifest {str(path)!r} does not exist")
    root = path.parent
    issues: list[Issue] = []
    records = []
    read = 0
    rows = _rows_csv(path, issues) if path.suffix.lower() == ".csv" else _rows_jsonl(path, issues)
    for line, row in rows:
        read += 1
        if row is None:
            continue
        try:
            records.append(build_record(row, root, path.name, issues))
        except BadItem as exc:
            item = str(row.get("id") or row.get("image") or f"line {line}") if isinstance(row, dict) else f"line {line}"
            issues.append(Issue(item, f"{path.name}:{line}", "skipped", str(exc)))
    records, sampled_out = dedupe_and_sample(records, issues, path.name, limit, seed)
    return Collection(name, records, issues, read, description or f"manifest {path.name}",
                      sampled_out, label_prompts or {})
