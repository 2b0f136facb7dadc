"""A plain folder of images, each with an optional sidecar `.txt` of captions (one per line).

Sub-folder names become the `folder` label, so a folder-per-class layout colours the map by class.
Images without a sidecar are skipped and reported (a caption is needed for the text side). Images
and sidecars alike go through the one root check (`common.safe_path`): a symlink to a file
outside the folder is skipped, never read.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from builder.errors import DatasetNotFound
from builder.datasets.common import ItemLog, read_text

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def _row(root: Path, rel: str) -> dict:
    """The item of image `rel`: its sidecar's captions and its sub-folder label."""
    p = PurePosixPath(rel)
    captions = read_text(root, str(p.with_suffix(".txt")), "caption file").splitlines()
    parent = p.parent.as_posix()
    return {"id": rel, "image": rel, "captions": captions, "labels": {"folder": parent} if parent != "." else {}}


def collect_folder(root: Path, name: str, limit: int = 0, seed: int = 0, strict: bool = False):
    root = Path(root)
    if not root.is_dir():
        raise DatasetNotFound(f"dataset folder {str(root)!r} does not exist")
    log = ItemLog(root, strict)
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))
    for path in files:
        rel = path.relative_to(root).as_posix()
        log.add(lambda rel=rel: _row(root, rel), rel, rel)
    return log.collection(name, f"folder {root.name}", limit, seed, notes=_notes(root, log))


def _notes(root: Path, log: ItemLog) -> list[str]:
    """Why a folder gives no usable item, when the cause is the usual one."""
    if not log.read:
        return [f"no image file in {str(root)!r} or its sub-folders (looked for "
                f"{', '.join(sorted(IMAGE_SUFFIXES))}; names starting with '.' are left out)"]
    if log.issues and all(i.reason.startswith("no caption file") for i in log.issues):
        return ["every image needs a caption file beside it, with the same name ending in .txt "
                "(photo.jpg -> photo.txt), one caption per line"]
    return []
