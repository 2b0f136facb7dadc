"""Run the explorer's bundler, `node build.mjs OUTDIR` in site_templates/explorer, and take every
file it writes (app.js, app.css and any page script build.mjs adds), whatever their names.

Stdlib only: setup.py imports this module to bundle at wheel-build time, before any dependency
of the package is installed.

    files = run_bundler(explorer_dir)      # {"app.js": bytes, "app.css": bytes, ...}
    key = sources_hash(explorer_dir)       # changes when anything that goes into the bundle does
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from builder.errors import BundleError

# The bundle options live in one place, site_templates/explorer/build.mjs (esbuild's JS API).
BUILD_SCRIPT = "build.mjs"
REQUIRED_FILES = ("app.js", "app.css", "load-worker.js")  # what the explorer page itself loads


def sources_hash(explorer_dir: Path) -> str:
    """sha256 over the JS/CSS/GLSL sources, package.json, the lockfile and the esbuild options."""
    explorer_dir = Path(explorer_dir)
    h = hashlib.sha256()
    paths = sorted(p for p in (explorer_dir / "src").rglob("*") if p.is_file())
    paths += [explorer_dir / BUILD_SCRIPT, explorer_dir / "package.json", explorer_dir / "package-lock.json"]
    for path in paths:
        if not path.exists():
            continue
        h.update(path.relative_to(explorer_dir).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def read_tree(folder: Path) -> dict[str, bytes]:
    """{relative POSIX path: bytes} of every file under `folder`."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def write_tree(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


def run_bundler(explorer_dir: Path) -> dict[str, bytes]:
    """Every file `node build.mjs OUTDIR` writes; BundleError saying what to do when it cannot run."""
    explorer_dir = Path(explorer_dir)
    esbuild = explorer_dir / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        raise BundleError(
            f"The explorer's JavaScript dependencies are not installed ({explorer_dir / 'node_modules'} is missing). "
            "Run `make setup` (it runs `npm ci` in site_templates/explorer; needs Node.js 18 or newer) and build again."
        )
    node = shutil.which("node")
    if node is None:
        raise BundleError("Node.js is needed to bundle the explorer from its sources, and `node` is not on PATH. "
                          "Install Node.js 18 or newer, or install CLIP Atlas from a wheel (which carries the bundle).")
    with tempfile.TemporaryDirectory(prefix="atlas-esbuild-") as tmp:
        cmd = [node, BUILD_SCRIPT, tmp]
        try:
            done = subprocess.run(cmd, cwd=explorer_dir, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BundleError(f"could not run esbuild ({exc}); run `make setup` to reinstall it") from exc
        if done.returncode != 0:
            raise BundleError(f"esbuild failed to bundle the explorer:\n{done.stderr.strip()}")
        files = read_tree(Path(tmp))
    missing = [n for n in REQUIRED_FILES if n not in files]
    if missing:
        raise BundleError(f"esbuild produced no {', '.join(missing)}")
    return files
