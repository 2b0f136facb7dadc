"""What a dataset adapter produces: one `Record` per image, plus what it skipped and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAX_CATEGORIES = 254  # uint8 indices 0..254 ("other" and "(none)" included); 255 means "no category field"
OTHER, NONE = "other", "(none)"
DEFAULT_PROMPT = "a photo of a {}."


@dataclass(frozen=True)
class Record:
    """One image and its captions.

    id        stable identifier, unique within the dataset
    image     absolute path of the image file (already checked to lie inside the dataset root)
    captions  one or more non-empty captions (untrusted text: render as text, never as HTML)
    labels    ground-truth attributes, e.g. {"colour": "red", "shape": "circle"}
    box       the main object's box as fractions of width/height (x0, y0, x1, y1), if known
    extra     adapter-specific data kept for later stages (e.g. the demo world's written word)
    file      the image's path relative to the dataset root, '/'-separated (shown in the explorer;
              never an absolute path of the building machine)
    """

    id: str
    image: Path
    captions: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)
    box: tuple[float, float, float, float] | None = None
    extra: dict = field(default_factory=dict)
    file: str = ""


@dataclass(frozen=True)
class Issue:
    """An item skipped or repaired, with the reason, for the build report."""

    id: str
    source: str
    action: str  # "skipped", "repaired" or "ignored" (not an item: e.g. an orphan COCO annotation)
    reason: str

    def as_dict(self) -> dict:
        return {"id": self.id, "source": self.source, "action": self.action, "reason": self.reason}


@dataclass
class Collection:
    """The result of collecting a dataset: usable records and every issue met on the way.

    `read` counts every item the adapter saw: read == used + skipped + sampled_out. `repaired`
    counts the used items that were fixed (two repairs count once; a skipped item never counts);
    "ignored" issues are not items (e.g. a COCO caption for an image id the file does not list).
    """

    name: str
    records: list[Record]
    issues: list[Issue]
    read: int
    description: str = ""
    sampled_out: int = 0  # good items left out by `limit` sampling
    label_prompts: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    prompt_rule: str = "mean"  # how a class's prompts combine: see compute.metrics.zero_shot_scores
    notes: tuple[str, ...] = ()  # the adapter's diagnosis of a dataset that gives no usable item, a line each
    precomputed: dict = field(default_factory=dict)  # embeddings kind: {"image": f32[I, D], "text": f32[C, D]}

    @property
    def skipped(self) -> list[Issue]:
        return [i for i in self.issues if i.action == "skipped"]

    @property
    def repaired(self) -> list[Issue]:
        return [i for i in self.issues if i.action == "repaired"]

    # -- labels --------------------------------------------------------------------------------
    def label_fields(self) -> list[str]:
        """Every label field, in the order fields first appear in the records."""
        seen: dict[str, None] = {}
        for r in self.records:
            for f in r.labels:
                seen.setdefault(f, None)
        return list(seen)

    def label_counts(self, field: str) -> dict[str, int]:
        """{value: images with it} for one field, sorted by value."""
        out: dict[str, int] = {}
        for r in self.records:
            if field in r.labels:
                v = str(r.labels[field])
                out[v] = out.get(v, 0) + 1
        return dict(sorted(out.items()))

    def category_field(self, preferred: str = "") -> str | None:
        """The one rule for "the category" (explorer colours, analyses' groups).

        `preferred` (site.category_field, an analysis's category_field) wins and must be a field
        with at least two values. Otherwise: among fields with >= 2 values, the one most images
        have, ties going to the field that appears first. None when no field qualifies."""
        from builder.errors import ConfigError

        counts = {f: self.label_counts(f) for f in self.label_fields()}
        fields = [f for f, c in counts.items() if len(c) >= 2]
        if preferred:
            if preferred not in fields:
                raise ConfigError(f"category_field = {preferred!r} is not a label field with at least two values in "
                                  f"this dataset (label fields: {', '.join(counts) or 'none'})")
            return preferred
        if not fields:
            return None
        return max(fields, key=lambda f: (sum(counts[f].values()), -fields.index(f)))

    def categories(self, field: str | None, none_bucket: bool = True) -> tuple[list[str], np.ndarray]:
        """(names, int64[I] index of each image's value).

        Names are the values sorted; beyond MAX_CATEGORIES the least frequent go to an "other"
        bucket. Images lacking the field get a "(none)" entry, or -1 with `none_bucket=False`.
        No field: ([], all -1)."""
        if not field:
            return [], np.full(len(self.records), -1, np.int64)
        counts = self.label_counts(field)
        missing = len(self.records) - sum(counts.values())
        room = MAX_CATEGORIES - (1 if missing and none_bucket else 0)
        names = sorted(counts)
        if len(names) > room:
            kept = sorted(sorted(counts, key=lambda v: (-counts[v], v))[: room - 1])
            names = kept + [OTHER]
        index = {n: i for i, n in enumerate(names)}
        other = index.get(OTHER, -1) if len(counts) > room else -1
        absent = -1
        if missing and none_bucket:
            names.append(NONE)
            absent = len(names) - 1
        idx = [index.get(str(r.labels[field]), other) if field in r.labels else absent for r in self.records]
        return names, np.array(idx, dtype=np.int64)

    def label_codes(self, max_fields: int | None = None) -> list[tuple[str, list[str], np.ndarray]]:
        """[(field, names, uint8[I] index of each image's value, 255 = no value)] for every label
        field in `label_fields` order (the first `max_fields` of them when given). Names as in
        `categories`, without a "(none)" entry."""
        out = []
        for f in self.label_fields()[:max_fields]:
            names, idx = self.categories(f, none_bucket=False)
            out.append((f, names, np.where(idx < 0, 255, idx).astype(np.uint8)))
        return out

    def class_prompts(self, field: str, values: list[str]) -> tuple[list[str], list[int]]:
        """Zero-shot prompts of `values` of `field`: (prompts, owner class index of each). The
        dataset's own prompts when it has them, else "a photo of a {value}."."""
        by_value = self.label_prompts.get(field) or {}
        prompts, owner = [], []
        for ci, v in enumerate(values):
            for p in by_value.get(v) or [DEFAULT_PROMPT.format(v)]:
                prompts.append(p)
                owner.append(ci)
        return prompts, owner

    def counts(self) -> dict:
        return {
            "read": self.read,
            "used": len(self.records),
            "skipped": len(self.skipped),
            "repaired": len({i.id for i in self.repaired} & {r.id for r in self.records}),
            "sampled_out": self.sampled_out,
            "captions": sum(len(r.captions) for r in self.records),
        }


class BadItem(Exception):
    """Raised by readers for one unusable item; the adapter turns it into an `Issue`."""


class MissingFile(BadItem):
    """An item whose image file is not there: `relative` as the dataset names it, `looked_at`
    the path it was looked for at."""

    def __init__(self, message: str, relative: str, looked_at: Path):
        super().__init__(message)
        self.relative, self.looked_at = relative, looked_at
