"""builder.render.site: bundling the explorer and writing it into a site."""

from __future__ import annotations

import json
import re

import pytest

from builder import resources
from builder.io.writer import SiteWriter
from builder.render import site
from builder.resources import bundler


def _bundled_or_skip(**kw):
    try:
        return site.bundle_explorer(**kw)
    except site.BundleError as exc:
        pytest.skip(f"explorer not bundled: {exc}")


def test_missing_node_modules_says_run_make_setup(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.js").write_text("console.log(1)")
    with pytest.raises(site.BundleError, match="make setup"):
        bundler.run_bundler(tmp_path)


def test_bundle_is_cached_on_disk_by_source_hash(tmp_path, monkeypatch):
    monkeypatch.setattr(resources, "_memo", {})  # an earlier test may have bundled in this process
    files = _bundled_or_skip(cache_dir=tmp_path)
    assert {"app.js", "app.css"} <= set(files) and set(site.PAGE_FILES) <= set(files) and len(files["app.js"]) > 10_000
    assert len(list(tmp_path.glob("explorer-*/app.js"))) == 1
    resources._memo.clear()
    monkeypatch.setattr(bundler, "run_bundler", lambda *a: pytest.fail("esbuild ran despite a cached bundle"))
    assert site.bundle_explorer(cache_dir=tmp_path) == files


def test_bundle_makes_no_outside_requests():
    files = _bundled_or_skip()
    for name in [n for n in files if n.endswith(".js")]:  # the explorer and the page scripts
        js = files[name].decode("utf-8")
        assert "innerHTML" not in js and "insertAdjacentHTML" not in js, name
    for name in [n for n in files if n.endswith(".css")]:
        css = files[name].decode("utf-8")
        assert not re.search(r"https?://(?!www\.w3\.org)", css), name  # no fonts, no CDN
        assert "@import" not in css and "@font-face" not in css, name


def test_page_assets_come_from_the_bundle():
    files = _bundled_or_skip()
    got = site.page_assets(["saliency/saliency.js", "javascripts/tablesort.js"])
    assert got == {"saliency/saliency.js": files["pages/saliency.js"], "javascripts/tablesort.js": files["pages/tablesort.js"]}
    assert b"aria-sort" in got["javascripts/tablesort.js"]
    with pytest.raises(site.BundleError, match="no pages/nothing.js"):
        site.page_assets(["x/nothing.js"])


def test_explorer_files_are_page_bundle_and_index(tmp_path):
    _bundled_or_skip()
    writer = SiteWriter()
    writer.add_files(site.explorer_files([{"name": "demo", "title": "Demo <world>"}], title="<script>alert(1)</script> Atlas"))
    writer.write(tmp_path)
    html = (tmp_path / "explorer" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Atlas" in html and "<script>alert" not in html
    # every URL in the page is relative: the site may live under any sub-path
    for url in re.findall(r'(?:href|src)="([^"]+)"', html):
        assert not url.startswith(("/", "http:", "https:")), url
    assert (tmp_path / "explorer" / "app.js").stat().st_size > 10_000
    assert (tmp_path / "explorer" / "app.css").exists()
    assert not (tmp_path / "explorer" / "pages").exists()  # the docs pages serve their own scripts
    index = json.loads((tmp_path / "data" / "index.json").read_text(encoding="utf-8"))
    assert index == [{"name": "demo", "title": "Demo <world>", "manifest": "demo/manifest.json"}]


@pytest.mark.parametrize("entry", [
    {"name": "../up"},
    {"name": "ok", "manifest": "../elsewhere/manifest.json"},
    {"name": "ok", "manifest": "/abs/manifest.json"},
    {"name": "ok", "manifest": "https://cdn.example/manifest.json"},
    {"name": ""},
])
def test_dataset_entries_must_stay_inside_data(tmp_path, entry):
    with pytest.raises(ValueError):
        site.explorer_files([entry], title="x")


def test_preloads_the_global_view_when_the_manifest_is_given():
    manifest = {"buffers": {
        "positions": {"file": "positions.bin"}, "modality": {"file": "modality.bin"},
        "category": {"file": "../../evil.bin"}, "cluster": {"file": "cluster.bin"}}}
    got = site._preloads({"manifest": "d1/manifest.json"}, manifest)
    assert got == ["d1/manifest.json", "d1/positions.bin", "d1/modality.bin"]
    assert site._preloads({"manifest": "nope/manifest.json"}, None) == ["nope/manifest.json"]


def test_the_ask_workers_url_changes_when_the_worker_or_its_runtime_changes():
    """index.html names the worker's version (meta atlas-worker-version, read by src/ask/client.js for
    ask-worker.js?v= and ort's .wasm?v=): a redeploy with a new worker gets a new URL, not a stale
    cache; the page's own ?v= of app.js does not move with it."""
    files = _bundled_or_skip()
    assert set(site.WORKER_FILES) <= set(files)
    meta = re.compile(r'<meta name="atlas-worker-version" content="([0-9a-f]{12})">')
    app = re.compile(r'src="app\.js\?v=([0-9a-f]{12})"')
    entry = [{"name": "demo", "title": "Demo"}]

    def page(bundle):
        html = site.explorer_files(entry, title="t", bundle=bundle)["explorer/index.html"].decode()
        return meta.search(html).group(1), app.search(html).group(1)

    w0, a0 = page(files)
    w1, a1 = page({**files, "ask-worker.js": files["ask-worker.js"] + b"\n// a new worker\n"})
    w2, _ = page({**files, "ort/ort-wasm-simd-threaded.wasm": files["ort/ort-wasm-simd-threaded.wasm"] + b"\0"})
    assert len({w0, w1, w2}) == 3 and a0 == a1
    assert page(dict(files)) == (w0, a0)  # the same bundle, the same URLs
    assert b"atlas-worker-version" in files["app.js"]  # the script reads it
