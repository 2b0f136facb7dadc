"""The build report (build-report.json and the pages made from it), and the "no usable item" error.

No absolute path of the building machine goes into the report: paths are shown relative to the
config file's folder or the dataset root (`builder.public_paths`).
"""

from __future__ import annotations

import os
from pathlib import Path

from builder import contract, issues
from builder.config import Config
from builder.errors import BuildError
from builder.models.registry import published_figures
from builder.public_paths import PublicPaths
from builder.records import Collection

REPORT_SCHEMA_VERSION = 1


def dataset_root(cfg: Config, cache_root: Path) -> Path:
    """The folder the dataset's file names are relative to."""
    d = cfg.dataset
    if d.kind == "demo":
        return Path(cache_root) / "demo-world"
    if not d.path:
        return Path(cfg.base_dir)
    path = cfg.resolve(d.path)
    return path.parent if d.kind == "manifest" else path


def public_paths(cfg: Config, cache_root: Path) -> PublicPaths:
    """Paths as the report shows them: relative to the config's folder, then the dataset root."""
    return PublicPaths([("", cfg.base_dir), ("", dataset_root(cfg, cache_root))], home=os.path.expanduser("~"))


def make_report(cfg: Config, result: dict, stages: list[dict], metrics: dict, public: PublicPaths) -> dict:
    """The build report (the artifacts' sizes and the total time are added while rendering).
    `stages` is the clock's own list, so the stages that end later (render) appear in it too."""
    col: Collection = result["collection"]
    issue_dicts = [public.scrub(i.as_dict()) for i in col.issues]
    report = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "artifact_schema_version": contract.SCHEMA_VERSION,
        "config": public.config(cfg.as_dict()),
        "model": public.scrub(result["model"]),
        "dataset": public.scrub({"name": col.name, "description": col.description, "counts": col.counts(),
                                 "labels": {f: col.label_counts(f) for f in sorted(col.label_fields())}}),
        "parameters": result["parameters"],  # the values used where the dataset is too small for the config's
        "stages": stages,
        "issue_summary": issues.summary(issue_dicts),
        "issues": issue_dicts,
        "metrics": public.scrub(metrics),
    }
    demo = demo_model_figures(result["model"].get("name"))
    if demo:
        report["demo_model"] = demo
    published = published_figures(result["model"]["name"], dataset_key(cfg))
    if published:
        report["published"] = published
    return report


def demo_model_figures(model_name: str) -> dict | None:
    """The shipped demo model's held-out figures (its metrics JSON, as `train-demo` wrote it) when
    the build used it, else None. How it was trained comes along; the loss curve does not."""
    import json

    from builder.models.demo_paths import METRICS_PATH

    if model_name != "demo" or not METRICS_PATH.is_file():
        return None
    try:
        m = json.loads(METRICS_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {k: m[k] for k in ("heldout", "typographic_attack", "behaviours", "train", "command") if k in m}


def dataset_key(cfg: Config) -> str:
    """A key naming a standard evaluation set, for published figures ('' when not standard)."""
    d = cfg.dataset
    if d.kind == "coco" and d.karpathy and d.split == "test" and not d.limit:
        return "coco-karpathy-test"
    return ""


def no_usable_item(col: Collection, what: str = "item") -> BuildError:
    """The error for a dataset that leaves nothing to show: counts, the issues grouped by kind
    (a line each, with an example) and the adapter's diagnosis of the usual causes."""
    lines = [f"the dataset has no usable {what} ({col.read:,} read, {len(col.skipped):,} skipped)"
             + (":" if col.issues or col.notes else "")]
    lines += [f"  {line}" for line in issues.summary_lines([i.as_dict() for i in col.issues])]
    lines += [f"  {note}" for note in col.notes]
    return BuildError("\n".join(lines))
