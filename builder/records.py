"""What a dataset adapter produces: one `Record` per image, plus what it skipped and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Record:
    """One image and its captions.

    id        stable identifier, unique within the dataset
    image     absolute path of the image file (already checked to lie inside the dataset root)
    captions  one or more non-empty captions (untrusted text: render as text, never as HTML)
    labels    ground-truth attributes, e.g. {"colour": "red", "shape": "circle"}
    box       the main object's box as fractions of width/height (x0, y0, x1, y1), if known
    extra     adapter-specific data kept for later stages (e.g. the demo world's written word)
    """

    id: str
    image: Path
    captions: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)
    box: tuple[float, float, float, float] | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Issue:
    """An item skipped or repaired, with the reason, for the build report."""

    id: str
    source: str
    action: str  # "skipped" or "repaired"
    reason: str

    def as_dict(self) -> dict:
        return {"id": self.id, "source": self.source, "action": self.action, "reason": self.reason}


@dataclass
class Collection:
    """The result of collecting a dataset: usable records and every issue met on the way.

    `read` counts every item the adapter saw: read == used + skipped + sampled_out.
    """

    name: str
    records: list[Record]
    issues: list[Issue]
    read: int
    description: str = ""
    sampled_out: int = 0  # good items left out by `limit` sampling
    label_prompts: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    prompt_rule: str = "mean"  # how a class's prompts combine: see compute.metrics.zero_shot_scores

    @property
    def skipped(self) -> list[Issue]:
        return [i for i in self.issues if i.action == "skipped"]

    @property
    def repaired(self) -> list[Issue]:
        return [i for i in self.issues if i.action == "repaired"]

    def counts(self) -> dict:
        return {
            "read": self.read,
            "used": len(self.records),
            "skipped": len(self.skipped),
            "repaired": len(self.repaired),
            "sampled_out": self.sampled_out,
            "captions": sum(len(r.captions) for r in self.records),
        }

    def label_counts(self) -> dict[str, dict[str, int]]:
        """{label field: {value: number of records}}, fields and values sorted."""
        out: dict[str, dict[str, int]] = {}
        for r in self.records:
            for f, v in r.labels.items():
                counts = out.setdefault(f, {})
                counts[v] = counts.get(v, 0) + 1
        return {f: dict(sorted(out[f].items())) for f in sorted(out)}


class BadItem(Exception):
    """Raised by readers for one unusable item; the adapter turns it into an `Issue`."""
