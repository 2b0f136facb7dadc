"""The explorer in a built site: bundle its JavaScript, render its page, list the datasets.

    files = bundle_explorer(cache_dir)     # {"app.js": bytes, "app.css": bytes, "pages/...": bytes}
    page_assets(["saliency/saliency.js"])  # {"saliency/saliency.js": the bundle's pages/saliency.js}
    render_explorer(out_dir, [{"name": "demo", "title": "Demo world",
                               "manifest": "demo/manifest.json"}], title="CLIP Atlas")

writes
    out_dir/explorer/index.html, app.js, app.css
    out_dir/data/index.json          [{"name", "title", "manifest"}], read by the explorer

The bundle is made by esbuild from site_templates/explorer (npm packages pinned by its lockfile)
and cached under the hash of the sources, the lockfile and the esbuild options, so a rebuild of
the site with unchanged JavaScript does not need Node at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import jinja2

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = REPO_ROOT / "site_templates"
EXPLORER_DIR = TEMPLATES_DIR / "explorer"
EXPLORER_TEMPLATE = "explorer.html.j2"

# The bundle options live in one place, site_templates/explorer/build.mjs (esbuild's JS API).
BUILD_SCRIPT = "build.mjs"
EXPLORER_FILES = ("app.js", "app.css")
# The docs pages' scripts (src/pages/), bundled with the explorer; see page_assets.
PAGE_FILES = ("pages/saliency.js", "pages/saliency.css", "pages/neurons.js", "pages/neurons.css", "pages/tablesort.js")
BUNDLE_FILES = EXPLORER_FILES + PAGE_FILES
GLOBAL_VIEW_BUFFERS = ("positions", "modality", "category")  # what the first frame needs
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_memo: dict[str, dict[str, bytes]] = {}


class BundleError(RuntimeError):
    """The explorer's JavaScript could not be bundled; the message says what to do."""


def _sources_hash(explorer_dir: Path = EXPLORER_DIR) -> str:
    """sha256 over the JS/CSS/GLSL sources, package.json, the lockfile and the esbuild options."""
    h = hashlib.sha256()
    paths = sorted(p for p in (explorer_dir / "src").rglob("*") if p.is_file())
    paths += [explorer_dir / BUILD_SCRIPT, explorer_dir / "package.json", explorer_dir / "package-lock.json"]
    for path in paths:
        if not path.exists():
            continue
        h.update(path.relative_to(explorer_dir).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def _run_esbuild(explorer_dir: Path) -> dict[str, bytes]:
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
        except OSError as exc:
            raise BundleError(f"could not run esbuild ({exc}); run `make setup` to reinstall it") from exc
        if done.returncode != 0:
            raise BundleError(f"esbuild failed to bundle the explorer:\n{done.stderr.strip()}")
        files = {p.relative_to(tmp).as_posix(): p.read_bytes() for p in sorted(Path(tmp).rglob("*")) if p.is_file()}
    missing = [n for n in BUNDLE_FILES if n not in files]
    if missing:
        raise BundleError(f"esbuild produced no {', '.join(missing)}")
    return files


def bundle_explorer(cache_dir: Path | None = None) -> dict[str, bytes]:
    """Return {"app.js": bytes, "app.css": bytes, "pages/<name>.js": bytes, ...}, minified, built
    from site_templates/explorer (the explorer, and the docs pages' scripts under pages/).

    Cached in memory and, when `cache_dir` is given, on disk under `explorer-<hash>/`, keyed by
    the hash of the sources and the lockfile. Raises BundleError (telling the user to run
    `make setup`) when node_modules is missing and nothing is cached.
    """
    key = _sources_hash()
    if key in _memo:
        return dict(_memo[key])
    cached = Path(cache_dir) / f"explorer-{key[:20]}" if cache_dir is not None else None
    if cached is not None and all((cached / n).is_file() for n in BUNDLE_FILES):
        files = {p.relative_to(cached).as_posix(): p.read_bytes() for p in sorted(cached.rglob("*")) if p.is_file()}
    else:
        files = _run_esbuild(EXPLORER_DIR)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".explorer-", dir=cached.parent))
            for name, data in files.items():
                (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                (tmp / name).write_bytes(data)
            try:
                os.replace(tmp, cached)  # atomic: a half-written cache entry is never seen
            except OSError:  # another process won the race; theirs is identical
                shutil.rmtree(tmp, ignore_errors=True)
    _memo[key] = files
    return dict(files)


def page_assets(paths, cache_dir: Path | None = None) -> dict[str, bytes]:
    """{docs path: bytes} for page scripts and styles from the bundle: "saliency/saliency.js" and
    "javascripts/tablesort.js" get the bundle's pages/saliency.js and pages/tablesort.js."""
    files = bundle_explorer(cache_dir)
    out = {}
    for path in paths:
        name = "pages/" + Path(path).name
        if name not in files:
            raise BundleError(f"{path}: the explorer bundle has no {name} (entry points: site_templates/explorer/build.mjs)")
        out[path] = files[name]
    return out


def _check_datasets(datasets: list[dict]) -> list[dict]:
    """Normalise the dataset list for data/index.json; paths must stay inside data/."""
    out = []
    for d in datasets:
        name = str(d.get("name", ""))
        if not _SLUG.match(name) or ".." in name:
            raise ValueError(f"dataset name {name!r} must be a slug (letters, digits, '.', '_', '-')")
        manifest = str(d.get("manifest") or f"{name}/manifest.json")
        parts = Path(manifest).parts
        if manifest.startswith("/") or ":" in manifest or ".." in parts or "\\" in manifest:
            raise ValueError(f"dataset {name!r}: manifest path {manifest!r} must be relative, inside data/")
        out.append({"name": name, "title": str(d.get("title") or name), "manifest": manifest})
    if not out:
        raise ValueError("render_explorer needs at least one dataset")
    if len({d["name"] for d in out}) != len(out):
        raise ValueError(f"dataset names repeat: {[d['name'] for d in out]}")
    return out


def _preloads(data_dir: Path, entry: dict) -> list[str]:
    """Paths under data/ the page should start downloading before its script runs: the default
    dataset's manifest and, if that manifest is already written, its global-view buffers.
    (A link to another dataset simply does not use them.)"""
    paths = [entry["manifest"]]
    try:
        manifest = json.loads((data_dir / entry["manifest"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return paths
    folder = Path(entry["manifest"]).parent
    for name in GLOBAL_VIEW_BUFFERS:
        spec = (manifest.get("buffers") or {}).get(name) or {}
        file = str(spec.get("file", ""))
        if file and not file.startswith("/") and ".." not in Path(file).parts and ":" not in file:
            paths.append((folder / file).as_posix())
    return paths


def render_explorer(out_dir: Path, datasets: list[dict], title: str, cache_dir: Path | None = None) -> None:
    """Write out_dir/explorer/{index.html, app.js, app.css} and out_dir/data/index.json."""
    out_dir = Path(out_dir)
    entries = _check_datasets(datasets)
    files = bundle_explorer(cache_dir)
    version = hashlib.sha256(b"".join(files[n] for n in EXPLORER_FILES)).hexdigest()[:12]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    html = env.get_template(EXPLORER_TEMPLATE).render(title=title, version=version,
                                                      preload=_preloads(out_dir / "data", entries[0]))
    explorer = out_dir / "explorer"
    explorer.mkdir(parents=True, exist_ok=True)
    (explorer / "index.html").write_text(html, encoding="utf-8")
    for name, data in files.items():
        if not name.startswith("pages/"):  # those are served by the docs pages (page_assets)
            (explorer / name).write_bytes(data)
    data_dir = out_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "index.json").write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")
