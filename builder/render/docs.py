"""The explanatory pages: hand-written content/ plus generated markdown, built with MkDocs Material.

`render_docs` gathers everything into a temporary folder (in a build, inside the build's scratch
folder beside the output: `builder.io.output.scratch_folder`), has MkDocs build it there, and returns
the built files (relative path -> bytes) for the one writer (`builder.io.writer.SiteWriter`),
which puts them beside the explorer and data/. MkDocs itself would empty its output folder, so
it never builds into the site directly.

The pages are static and self-contained: relative links only (`use_directory_urls: false`, so
`explorer.md` becomes `explorer.html` and works from any sub-path or a plain file server), no
web fonts (Material would load Roboto from Google Fonts), no third-party scripts.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import yaml

from builder.io.output import scratch_folder

log = logging.getLogger(__name__)

# The fixed head of the navigation; any other page follows, grouped by folder and sorted.
FIXED_NAV: tuple[tuple[str, str], ...] = (
    ("Home", "index.md"),
    ("Explorer", "explorer.md"),
    ("How to read the views", "reading.md"),
    ("Method", "method.md"),
    ("Dataset", "dataset.md"),
    ("Metrics", "metrics.md"),
    ("Build report", "build-report.md"),
)

# Without a site_url (unknown: the site must work under any sub-path) MkDocs writes a 404 page
# whose links are absolute from the server root, and an empty sitemap. Neither is useful.
DROPPED_OUTPUTS = ("404.html", "sitemap.xml", "sitemap.xml.gz")
# Scripts for every page that the writer takes from the explorer bundle (site_templates/explorer/src/pages);
# as javascripts/*.js they land in extra_javascript like the content's own. explorer-embed.js keeps
# the explorer page's URL and "Open full screen" link in step with its frame (a no-op elsewhere).
SITE_SCRIPTS = ("javascripts/tablesort.js", "javascripts/explorer-embed.js")

THEME = {
    "name": "material",
    "language": "en",
    "font": False,  # no Google Fonts: the system font stack, and no request off the site's origin
    "palette": [
        {
            "media": "(prefers-color-scheme)",
            "toggle": {"icon": "material/brightness-auto", "name": "Switch to light mode"},
        },
        {
            "media": "(prefers-color-scheme: light)",
            "scheme": "default",
            "primary": "indigo",
            "accent": "indigo",
            "toggle": {"icon": "material/brightness-7", "name": "Switch to dark mode"},
        },
        {
            "media": "(prefers-color-scheme: dark)",
            "scheme": "slate",
            "primary": "indigo",
            "accent": "indigo",
            "toggle": {"icon": "material/brightness-4", "name": "Switch to system preference"},
        },
    ],
    "features": [
        "navigation.indexes",
        "navigation.top",
        "navigation.footer",
        "navigation.tracking",
        "toc.follow",
        "search.highlight",
        "search.suggest",
        "content.code.copy",
    ],
}

MARKDOWN_EXTENSIONS = [
    "tables",
    {"toc": {"permalink": True}},
    "admonition",
    "attr_list",
    "md_in_html",
    "def_list",
    "pymdownx.details",
    "pymdownx.superfences",
]


from builder.errors import DocsBuildError  # noqa: E402,F401 (re-exported)


def render_docs(
    content_dir: Path,
    generated: dict[str, str | bytes],
    title: str,
    nav: list | None = None,
    *,
    strict: bool = True,
    replace: dict[str, str] | None = None,
) -> dict[str, bytes]:
    """The MkDocs site built from `content_dir` plus `generated` pages: {relpath: bytes}, pages
    at "index.html", "explorer.html", ... of the site root.

    content_dir  hand-written pages and assets (stylesheets/*.css and javascripts/*.js are
                 added to every page); may be missing
    generated    relative POSIX path -> text, e.g. {"method.md": "# Method ...",
                 "saliency/index.md": ...}; bytes values are assets (figures) referenced by the
                 pages, e.g. "topology/diagrams.svg"; a generated path may not shadow a content file
    title        site name shown in the header (HTML-escaped here: Material does not escape it)
    nav          an explicit MkDocs nav; by default `default_nav` of all pages
    strict       treat MkDocs warnings (a broken relative link, a missing nav target) as errors
    replace      content pages replaced by these texts, e.g. {"index.md": the home page with this
                 build's lines (builder.render.home)}
    Raises DocsBuildError naming the problem.
    """
    with tempfile.TemporaryDirectory(prefix="atlas-docs-", dir=scratch_folder()) as tmp:
        tmp = Path(tmp)
        docs = tmp / "docs"
        site = tmp / "site"
        _gather(docs, Path(content_dir), generated)
        for rel, text in (replace or {}).items():
            (docs / _safe_relpath(rel)).write_text(text, encoding="utf-8")
        config = mkdocs_config(title, docs, nav)
        config_file = tmp / "mkdocs.yml"
        config_file.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), "utf-8")
        _run_mkdocs(config_file, site, strict)
        return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
                if p.is_file() and p.relative_to(site).as_posix() not in DROPPED_OUTPUTS}


def mkdocs_config(title: str, docs: Path, nav: list | None = None) -> dict:
    """The mkdocs.yml contents (a dict) for the gathered docs folder `docs`."""
    pages = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.md"))
    assets = lambda folder, ext: sorted(  # noqa: E731
        p.relative_to(docs).as_posix() for p in (docs / folder).rglob(f"*.{ext}")
    )
    return {
        "site_name": html.escape(title or "CLIP Atlas"),
        "docs_dir": "docs",
        "use_directory_urls": False,
        "theme": THEME,
        "plugins": ["search"],
        "markdown_extensions": MARKDOWN_EXTENSIONS,
        "extra_css": assets("stylesheets", "css"),
        "extra_javascript": assets("javascripts", "js"),
        "extra": {"generator": False},
        "nav": nav if nav is not None else default_nav(pages),
        "validation": {
            "omitted_files": "info",
            "absolute_links": "warn",  # an absolute link breaks the site under a sub-path
            "unrecognized_links": "warn",
            "anchors": "warn",
        },
    }


def default_nav(pages: list[str]) -> list:
    """Navigation for these page paths: FIXED_NAV entries that exist, then the rest.

    The rest is sorted by name; a folder becomes a section (titled from its name) whose
    index.md comes first, so a new stage's pages show up without touching this module.
    """
    present = set(pages)
    nav: list = [{name: path} for name, path in FIXED_NAV if path in present]
    fixed = {path for _, path in FIXED_NAV}
    return nav + _tree([p for p in sorted(present) if p not in fixed])


def _tree(paths: list[str], prefix: str = "") -> list:
    """Nav entries for `paths` (all under `prefix`): files as bare paths, folders as sections."""
    files, folders = [], {}
    for path in paths:
        rest = path[len(prefix):]
        if "/" in rest:
            folders.setdefault(rest.split("/", 1)[0], []).append(path)
        else:
            files.append(path)
    entries = [(PurePosixPath(f).name, f) for f in files]
    entries += [(name + "/", {section_title(name): _section(prefix + name + "/", sub)})
                for name, sub in folders.items()]
    return [entry for _, entry in sorted(entries, key=lambda e: e[0])]


def _section(prefix: str, paths: list[str]) -> list:
    index = prefix + "index.md"
    rest = _tree([p for p in paths if p != index], prefix)
    return ([index] if index in paths else []) + rest


def section_title(folder: str) -> str:
    """'neuron-galleries' -> 'Neuron galleries'."""
    words = folder.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() if words else folder


def _gather(docs: Path, content_dir: Path, generated: dict[str, str | bytes]) -> None:
    """Copy content_dir into `docs` and write the generated pages beside it."""
    docs.mkdir(parents=True)
    if content_dir.is_dir():
        shutil.copytree(content_dir, docs, dirs_exist_ok=True)
    elif content_dir != Path(""):
        log.warning("docs: content folder %s not found; building generated pages only", content_dir)
    for rel, text in generated.items():
        target = docs / _safe_relpath(rel)
        if target.exists():
            raise DocsBuildError(f"generated page {rel!r} would replace {content_dir / rel}")
        if not isinstance(text, (str, bytes)):
            raise DocsBuildError(f"generated page {rel!r} must be str or bytes, got {type(text).__name__}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
    if not (docs / "index.md").exists():
        raise DocsBuildError(f"no home page: neither {content_dir / 'index.md'} nor a generated 'index.md'")


def _safe_relpath(rel: str) -> PurePosixPath:
    p = PurePosixPath(rel)
    if not rel or p.is_absolute() or ".." in p.parts or "\\" in rel or p.name.startswith("."):
        raise DocsBuildError(f"generated page path {rel!r} must be a relative path inside the docs")
    return p


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _quiet_mkdocs():
    """Silence MkDocs' INFO chatter and collect its warnings instead of printing them."""
    logger = logging.getLogger("mkdocs")
    saved = logger.level, logger.propagate, list(logger.handlers)
    collect = _Collect()
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    logger.handlers = [collect]
    try:
        yield collect
    finally:
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers = saved[2]


def _run_mkdocs(config_file: Path, site_dir: Path, strict: bool) -> None:
    # Material prints an end-of-life banner on import when run as `mkdocs`; never from here,
    # but set the documented switch so it stays quiet whatever argv[0] is.
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    with _quiet_mkdocs() as collected:
        try:
            cfg = load_config(config_file=str(config_file), site_dir=str(site_dir), strict=strict)
            build(cfg)
        except Exception as exc:  # MkDocs' Abort / ConfigurationError, a theme or extension error
            detail = "".join(f"\n  {m}" for m in collected.messages)
            raise DocsBuildError(f"MkDocs build failed: {type(exc).__name__}: {exc}{detail}") from exc
    for message in collected.messages:
        log.warning("docs: %s", message)
