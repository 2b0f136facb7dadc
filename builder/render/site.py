"""The explorer in a built site: bundle its JavaScript, render its page, list the datasets.

    files = bundle_explorer(cache_dir)     # {"app.js": bytes, "app.css": bytes, "pages/...": bytes}
    page_assets(["saliency/saliency.js"])  # {"saliency/saliency.js": the bundle's pages/saliency.js}
    explorer_files([{"name": "demo", "title": "Demo world", "manifest": "demo/manifest.json"}],
                   title="CLIP Atlas", manifests={"demo": manifest})

returns (for the one writer, builder.io.writer.SiteWriter)
    explorer/index.html, explorer/app.js, explorer/app.css, ...
    data/index.json          [{"name", "title", "manifest"}], read by the explorer

The bundle is made by esbuild from site_templates/explorer (npm packages pinned by its lockfile):
at wheel-build time for a wheel, else on first use, cached under the hash of the sources, the
lockfile and the esbuild options, so a rebuild with unchanged JavaScript needs no Node at all
(builder.resources).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import jinja2

from builder import resources
from builder.errors import BundleError  # noqa: F401 (re-exported)
from builder.resources import bundler

EXPLORER_TEMPLATE = "explorer.html.j2"
BUNDLE_FILES = bundler.REQUIRED_FILES  # the page's own script and style; the version hashes them
# The docs pages' scripts (src/pages/), bundled with the explorer; see page_assets.
PAGE_FILES = ("pages/saliency.js", "pages/saliency.css", "pages/neurons.js", "pages/neurons.css", "pages/tablesort.js",
              "pages/explorer-embed.js")
WORKER_FILES = ("ask-worker.js", "ort/ort-wasm-simd-threaded.wasm")  # the Ask worker and its runtime; hashed apart
GLOBAL_VIEW_BUFFERS = ("positions", "modality", "category")  # what the first frame needs
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def bundle_explorer(cache_dir: Path | None = None) -> dict[str, bytes]:
    """Every file the explorer's bundler writes ({"app.js": bytes, "app.css": bytes, ...}):
    packaged in a wheel, else bundled from site_templates/explorer (see builder.resources)."""
    return resources.bundle(cache_dir)


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


def _preloads(entry: dict, manifest: dict | None) -> list[str]:
    """Paths under data/ the page should start downloading before its script runs: the default
    dataset's manifest and, when its manifest is given, its global-view buffers.
    (A link to another dataset simply does not use them.)"""
    paths = [entry["manifest"]]
    if not isinstance(manifest, dict):
        return paths
    folder = Path(entry["manifest"]).parent
    for name in GLOBAL_VIEW_BUFFERS:
        spec = (manifest.get("buffers") or {}).get(name) or {}
        file = str(spec.get("file", ""))
        if file and not file.startswith("/") and ".." not in Path(file).parts and ":" not in file:
            paths.append((folder / file).as_posix())
    return paths


def bundle_version(files: dict[str, bytes], names) -> str:
    """12 hex digits of the sha256 of the named bundle files (those present): the ?v= of their URLs,
    so that a redeploy that changes them is never served from a stale cache."""
    return hashlib.sha256(b"".join(files[n] for n in names if n in files)).hexdigest()[:12]


def explorer_files(datasets: list[dict], title: str, manifests: dict[str, dict] | None = None,
                   cache_dir: Path | None = None, bundle: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """{"explorer/index.html", "explorer/app.js", ..., "data/index.json": bytes}; `manifests`
    (dataset name -> manifest) lets the page preload the first dataset's global view; `bundle`: the
    bundler's files when already at hand (else bundle_explorer(cache_dir))."""
    entries = _check_datasets(datasets)
    files = bundle if bundle is not None else bundle_explorer(cache_dir)
    version = bundle_version(files, BUNDLE_FILES)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(resources.templates()), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    html = env.get_template(EXPLORER_TEMPLATE).render(title=title, version=version,
                                                      worker_version=bundle_version(files, WORKER_FILES),
                                                      preload=_preloads(entries[0], (manifests or {}).get(entries[0]["name"])))
    out = {"explorer/index.html": html.encode("utf-8")}
    out.update({f"explorer/{name}": data for name, data in files.items()
                if not name.startswith("pages/")})  # the docs pages' scripts: see page_assets
    out["data/index.json"] = json.dumps(entries, ensure_ascii=False, indent=1).encode("utf-8")
    return out
