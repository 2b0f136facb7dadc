"""Shared checks for every adapter: safe paths, clean captions, unique ids, sampling.

Every problem becomes an `Issue` (skipped, repaired or ignored, with a reason); nothing is dropped
silently. Adapters feed their items, in dataset order, to an `ItemLog`, which keeps the records and
the issues in that order; under --strict it decodes each image as it is read and stops at the
first issue, so the item named is the first bad one in dataset order.

`safe_path` is the one root check: every file an adapter reads from the dataset (images, caption
sidecars) goes through it.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np

from builder.errors import BuildError
from builder.records import BadItem, Collection, Issue, MissingFile, Record

MAX_CAPTION_CHARS = 1000


def safe_path(root: Path, relative: str, what: str = "image") -> Path:
    """The file `relative` inside `root`, resolved, or BadItem if it is absolute or escapes the root
    (through `..` or a symlink). Every dataset file an adapter reads is opened through this path."""
    if not isinstance(relative, str) or not relative.strip():
        raise BadItem(f"no {what} path given")
    rel = Path(relative)
    if rel.is_absolute() or relative.startswith(("/", "\\")) or (len(relative) > 1 and relative[1] == ":"):
        raise BadItem(f"absolute {what} path {relative!r} is not allowed; paths are relative to the dataset root")
    root_resolved = root.resolve()
    full = (root / rel)
    resolved = full.resolve()
    if not resolved.is_relative_to(root_resolved):
        why = "a symlink pointing" if ".." not in rel.parts else "a path"
        raise BadItem(f"{why} outside the dataset root: {relative!r}")
    return resolved


def read_text(root: Path, relative: str, what: str) -> str:
    """A text file of the dataset (e.g. a caption sidecar), through the root check; BadItem if it
    is missing, outside the root or unreadable. Undecodable bytes become U+FFFD."""
    path = safe_path(root, relative, what)
    if not path.is_file():
        raise BadItem(f"no {what} {Path(relative).name}")
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise BadItem(f"cannot read {what} {relative!r}: {exc.strerror or exc}") from None


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
        raise MissingFile(f"missing file {row.get('image')!r}", str(row.get("image")), image)
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
    file = image.relative_to(root.resolve()).as_posix()
    return Record(item_id, image, captions, labels, box, extra, file)


class ItemLog:
    """One adapter's records and issues, in dataset order.

    `add` turns a row into a Record (or one "skipped" issue saying why: bad row, file outside the
    root, duplicate id (the first item with an id is kept), and under --strict an image that does
    not decode); a row's repairs are reported only when its record is kept. `read` counts every
    item seen: read == used + skipped + sampled_out. Under --strict the first issue ends the build.
    """

    def __init__(self, root: Path, strict: bool = False):
        self.root, self.strict = Path(root), strict
        self.records: list[Record] = []
        self.issues: list[Issue] = []
        self.read = 0
        self._ids: set[str] = set()
        self.missing: list[MissingFile] = []  # the first missing image files (MAX_MISSING_KEPT)
        self.missing_count = 0

    def report(self, issue: Issue) -> None:
        self.issues.append(issue)
        if self.strict:
            raise BuildError(f"--strict: {issue.action} item {issue.id!r} ({issue.source}): {issue.reason} "
                             "(the first bad item in dataset order)")

    def skip(self, item: str, source: str, reason: str) -> None:
        """An item that could not even be read as a row (e.g. a line that is not JSON)."""
        self.read += 1
        self.report(Issue(item, source, "skipped", reason))

    def add(self, row, item: str, source: str, repairs: list[Issue] = ()) -> None:
        """Read one item: `row` is a manifest-like dict, or a callable returning one (and raising
        BadItem), e.g. to read a caption sidecar; `repairs` already made to it by the adapter."""
        self.read += 1
        repairs = list(repairs)
        try:
            record = build_record(row() if callable(row) else row, self.root, source, repairs)
            if record.id in self._ids:
                raise BadItem("duplicate id; the first item with this id is kept")
            if self.strict:
                from builder.io.images import load_rgb

                load_rgb(record.image)
        except BadItem as exc:
            if isinstance(exc, MissingFile):
                self.missing_count += 1
                self.missing += [exc][: max(0, 3 - len(self.missing))]
            self.report(Issue(item, source, "skipped", str(exc)))
            return
        self._ids.add(record.id)
        for issue in repairs:
            self.report(issue)
        self.records.append(record)

    def missing_note(self, items: str) -> list[str]:
        """When no record is usable and image files are missing: one line saying how many of the
        items read (`items`, e.g. "rows of m.jsonl") name a missing file and where the first was
        looked for."""
        if self.records or not self.missing:
            return []
        first = self.missing[0]
        return [f"{self.missing_count:,} of the {self.read:,} {items} name an image file that does not exist: "
                f"e.g. {first.relative!r}, looked for at {str(first.looked_at)!r}"]

    def collection(self, name: str, description: str, limit: int, seed: int, notes=(), **extra) -> Collection:
        """The Collection, with a seeded sample of `limit` records (0 = all) in dataset order;
        `notes`: the adapter's diagnosis lines, kept when no record is usable."""
        records, sampled_out = self.records, 0
        if limit and len(records) > limit:
            keep = np.sort(np.random.default_rng(seed).choice(len(records), size=limit, replace=False))
            records, sampled_out = [records[i] for i in keep], len(records) - limit
        return Collection(name, records, self.issues, self.read, description, sampled_out,
                          notes=tuple(notes) if not records else (), **extra)
