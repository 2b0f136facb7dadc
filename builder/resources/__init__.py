"""The files a build reads besides the Python code: page templates, the hand-written docs pages
and the bundled explorer JavaScript/CSS (plus any page script site_templates/explorer/build.mjs
bundles).

    resources.templates()        # folder with the Jinja templates (*.j2)
    resources.content()          # folder with the hand-written docs pages and their assets
    resources.bundle(cache_dir)  # {"app.js": bytes, "app.css": bytes, ...}: every file build.mjs writes
    resources.packaged()         # True in a wheel install

A wheel carries them as package data, made at wheel-build time by setup.py: templates/,
content/ and bundle/ beside this file (gitignored, never committed), read here with
importlib.resources. A source checkout (or an editable install) has none of them: it reads the
repository's site_templates/ and content/ and bundles the explorer with Node, cached in memory
and on disk under the hash of the sources, so an unchanged explorer needs no Node.
Stdlib only (setup.py imports this package).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib import resources as _resources
from pathlib import Path

from builder.resources import bundler

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_SRC = REPO_ROOT / "site_templates"
CONTENT_SRC = REPO_ROOT / "content"
EXPLORER_SRC = TEMPLATES_SRC / "explorer"
PACKAGED_DIRS = ("templates", "content", "bundle")  # data folders of this package in a wheel
_memo: dict[str, dict[str, bytes]] = {}


def _packaged(name: str) -> Path | None:
    """The packaged data folder `name` as a real folder, or None outside a wheel install."""
    folder = _resources.files(__name__).joinpath(name)
    if not folder.is_dir():
        return None
    return Path(str(folder))  # a regular (unzipped) install: a plain folder on disk


def packaged() -> bool:
    return all(_packaged(name) is not None for name in PACKAGED_DIRS)


def templates() -> Path:
    """The folder of the Jinja templates (explorer.html.j2, ...)."""
    return _packaged("templates") or TEMPLATES_SRC


def content() -> Path:
    """The folder of the hand-written docs pages (index.md, stylesheets/, javascripts/, ...)."""
    return _packaged("content") or CONTENT_SRC


def bundle(cache_dir: Path | None = None) -> dict[str, bytes]:
    """Every file the explorer's bundler writes, {relative path: bytes}, minified.

    A wheel install reads its packaged bundle. A source checkout bundles site_templates/explorer,
    cached in memory and, when `cache_dir` is given, on disk under `explorer-<hash>/`; BundleError
    (telling the user to run `make setup`) when node_modules is missing and nothing is cached.
    """
    shipped = _packaged("bundle")
    if shipped is not None:
        return bundler.read_tree(shipped)
    key = bundler.sources_hash(EXPLORER_SRC)
    if key in _memo:
        return dict(_memo[key])
    cached = Path(cache_dir) / f"explorer-{key[:20]}" if cache_dir is not None else None
    if cached is not None and all((cached / n).is_file() for n in bundler.REQUIRED_FILES):
        files = bundler.read_tree(cached)
    else:
        files = bundler.run_bundler(EXPLORER_SRC)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".explorer-", dir=cached.parent))
            bundler.write_tree(tmp, files)
            try:
                os.replace(tmp, cached)  # atomic: a half-written cache entry is never seen
            except OSError:  # another process won the race; theirs is identical
                shutil.rmtree(tmp, ignore_errors=True)
    _memo[key] = files
    return dict(files)
