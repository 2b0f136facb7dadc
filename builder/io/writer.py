"""The one writer of a built site: every file of the site goes through `SiteWriter`.

Renderers and analyses return what they want written; the pipeline hands it here. The dataset's
buffers are checked against the artifact contract when they are added (`add_dataset`), every
path is checked to stay inside the site, and nothing touches the disk until `write(root)`, which
the pipeline calls on the staging folder (see `builder.io.output.staging_folder`). Last of all
it writes the stamp (`builder.io.output.MARKER`) by which a later build knows the folder as a site
it may replace.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from builder.io.artifacts import ContractError, DatasetArtifacts
from builder.io.output import MARKER, OutputError, stamp


MAX_FILE_BYTES = 100 * 1000 ** 2  # GitHub Pages refuses larger files; large buffers are sharded


class SiteWriter:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def add_files(self, files: dict[str, bytes | str], prefix: str = "") -> None:
        """Files under `prefix` (relative POSIX paths); text is stored as UTF-8. A path may be
        added once."""
        for rel, data in files.items():
            path = f"{prefix}{rel}"
            p = PurePosixPath(path)
            if not rel or not p.parts or p.is_absolute() or ".." in p.parts or "\\" in path:
                raise ContractError(f"site file path {path!r} must be relative and stay inside the site")
            path = p.as_posix()  # "a//b", "./a" -> the name it gets on disk, as the stamp lists it
            if path == MARKER:
                raise ContractError(f"site file {path!r} is the builder's own stamp")
            if path in self.files:
                raise ContractError(f"site file {path!r} is produced twice")
            data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
            if len(data) > MAX_FILE_BYTES:
                raise ContractError(f"site file {path!r} would be {len(data) / 1e6:.0f} MB; no file may exceed "
                                    f"{MAX_FILE_BYTES / 1e6:.0f} MB (GitHub Pages' limit): shard it")
            self.files[path] = data

    def size_figures(self, points: int) -> dict:
        """{"site_bytes", "site_bytes_per_point", "largest_file", "largest_file_bytes"} of the files so far."""
        big = max(self.files, key=lambda k: len(self.files[k]), default="")
        total = sum(len(v) for v in self.files.values())
        return {"site_bytes": total, "site_bytes_per_point": round(total / max(points, 1), 1),
                "largest_file": big, "largest_file_bytes": len(self.files.get(big, b""))}

    def add_dataset(self, artifacts: DatasetArtifacts, counts: dict[str, int], meta: dict) -> dict:
        """Check the dataset's buffers against the contract, add its files under
        data/<dataset>/ and return its manifest."""
        files, manifest = artifacts.serialise(counts, meta)
        self.add_files(files, prefix=f"data/{artifacts.dataset}/")
        return manifest

    def write(self, root: Path) -> None:
        """Write every file under `root` (normally an empty staging folder), then the stamp."""
        root = Path(root)
        files = {**self.files, MARKER: stamp(list(self.files)).encode("utf-8")}
        for rel in [*sorted(self.files), MARKER]:
            path = root / rel
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(files[rel])
            except OSError as exc:  # a full disk, a quota, a file size limit
                raise OutputError(f"cannot write the site file {rel}: {exc.strerror or exc}; "
                                  f"the previous site is unchanged") from None
