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
from builder.datasets.common import ItemLog
from builder.records import Collection


# utf-8-sig: a byte-order mark (spreadsheets write one) is accepted and dropped
def _rows_jsonl(path: Path):
    """(line, row) pairs; a line that is not JSON gives (line, "why") instead of a row."""
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                yield n, f"invalid JSON: {exc.msg}"


def _rows_csv(path: Path) -> tuple[list[str], list[tuple[int, dict | str]]]:
    """(the header's columns, (line, row) pairs in file order); a repeated image's rows are merged
    into its first."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "image" not in reader.fieldnames:
            found = ", ".join(repr(c) for c in reader.fieldnames or []) or "none (the file is empty)"
            raise DatasetNotFound(f"CSV manifest {str(path)!r} has no 'image' column; columns found: {found}. "
                                  "The first line must name the columns: image, caption, optionally id "
                                  "and label:<field>")
        merged: dict[str, dict] = {}
        out: list[tuple[int, dict | str]] = []  # in file order; a repeated image's row stays at its first line
        for n, row in enumerate(reader, start=2):
            if None in row:  # more fields than the header
                out.append((n, "invalid CSV line: too many fields"))
                continue
            key = (row.get("id") or row.get("image") or "").strip()
            caps = [c for c in (row.get("caption") or "").split(" || ")]
            labels = {k[6:]: v for k, v in row.items() if k and k.startswith("label:") and v}
            if key in merged:  # repeated rows add captions to the same image
                merged[key]["captions"].extend(caps)
                continue
            merged[key] = {"id": row.get("id") or None, "image": row.get("image", ""), "captions": caps,
                           "labels": labels}
            out.append((n, merged[key]))
    return list(reader.fieldnames), out


def _caption_note(path: Path, fields: dict[str, None]) -> list[str]:
    """One line when no row has a caption field at all, naming the fields that were there."""
    if {"caption", "captions"} & set(fields):
        return []
    found = ", ".join(repr(f) for f in list(fields)[:20]) or "none"
    if path.suffix.lower() == ".csv":
        return [f"{path.name} has no 'caption' column; columns found: {found}. Name the captions' column "
                "'caption' in the first line"]
    return [f"no line of {path.name} has a 'captions' (a list of texts) or 'caption' (a text) field; "
            f"fields found: {found}"]


def collect_manifest(path: Path, name: str, limit: int = 0, seed: int = 0, label_prompts: dict | None = None,
                     description: str = "", strict: bool = False) -> Collection:
    path = Path(path)
    if path.is_dir():
        raise DatasetNotFound(f"manifest {str(path)!r} is a folder; a manifest is a .jsonl or .csv file "
                              "(for a folder of images use --dataset folder)")
    if not path.is_file():
        raise DatasetNotFound(f"manifest {str(path)!r} does not exist")
    log = ItemLog(path.parent, strict)
    csv_file = path.suffix.lower() == ".csv"
    columns, rows = _rows_csv(path) if csv_file else ([], _rows_jsonl(path))
    fields = dict.fromkeys(columns)  # a JSONL file's: every line's (the first 100 names)
    for line, row in rows:
        if isinstance(row, str):
            log.skip(f"line {line}", f"{path.name}:{line}", row)
            continue
        if not csv_file and isinstance(row, dict) and len(fields) < 100:
            fields.update(dict.fromkeys(str(k) for k in row))
        item = str(row.get("id") or row.get("image") or f"line {line}") if isinstance(row, dict) else f"line {line}"
        log.add(row, item, f"{path.name}:{line}")
    notes = log.missing_note(f"rows of {path.name}") + _caption_note(path, fields)
    return log.collection(name, description or f"manifest {path.name}", limit, seed, notes=notes,
                          label_prompts=label_prompts or {})
