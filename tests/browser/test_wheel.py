"""A wheel is all a user needs: build one, install it into a fresh venv (no editable install, no
repository, no Node on PATH), build a demo site with its `clip-atlas` command and open it in
Chromium.

The fresh venv sees this venv's dependencies through a .pth file listing our site-packages
folder; .pth files inside that folder are not processed, so our editable install's finder is
not loaded and `import builder` can only find the wheel's copy (checked).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

from builder.render.preview_server import serve_site
from explorer_helpers import assert_clean, open_explorer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
EXPLORER = REPO / "site_templates" / "explorer"
SIZE = 60
SKIP_DIRS = {".git", ".venv", "node_modules", "build", "dist", "site", ".atlas-cache", ".pytest_cache", "__pycache__"}


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=900, **kw)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _source_copy(dest: Path) -> Path:
    """The project's files without build outputs (a stale build/ folder could leak into the
    wheel), with the installed node_modules linked in for the bundler."""
    shutil.copytree(REPO, dest, ignore=lambda d, names: [n for n in names if n in SKIP_DIRS or n.endswith(".egg-info")])
    os.symlink(EXPLORER.joinpath("node_modules").resolve(), dest / "site_templates" / "explorer" / "node_modules")
    return dest


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory):
    if not (EXPLORER / "node_modules" / ".bin" / "esbuild").exists() or shutil.which("node") is None:
        pytest.skip("building a wheel bundles the explorer: needs Node and `make setup`")
    tmp = tmp_path_factory.mktemp("wheel")
    started = time.perf_counter()
    src = _source_copy(tmp / "src")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp / "dist", src])
    (wheel,) = (tmp / "dist").glob("clip_atlas-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    py = venv / "bin" / "python"
    # install before our packages are visible, so pip sees an empty environment
    _run([sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", "--no-index", wheel])
    fresh = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (fresh / "atlas-test-deps.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    work = tmp / "elsewhere"  # outside the repository
    (work / "home").mkdir(parents=True)
    env = {"PATH": str(venv / "bin"), "HOME": str(work / "home"), "LANG": "C.UTF-8"}
    assert shutil.which("node", path=env["PATH"]) is None and shutil.which("npm", path=env["PATH"]) is None
    where = _run([py, "-c", "import builder, builder.resources as r; print(builder.__file__); print(r.packaged())"],
                 cwd=work, env=env).stdout.split()
    _run([venv / "bin" / "clip-atlas", "build", "--demo-size", SIZE, "--out", "site", "--cache-dir", "cache",
          "--workers", "0", "--no-progress", "--analyses", "none"], cwd=work, env=env)
    seconds = time.perf_counter() - started
    print(f"wheel {wheel.name}: {wheel.stat().st_size:,} bytes; wheel + venv + site in {seconds:.0f} s")
    return {"wheel": wheel, "fresh": fresh, "where": where, "site": work / "site"}


def test_the_installed_wheel_is_what_runs_and_carries_every_resource(wheel_site):
    module, packaged = wheel_site["where"]
    assert Path(module).is_relative_to(wheel_site["fresh"]) and packaged == "True"
    names = set(zipfile.ZipFile(wheel_site["wheel"]).namelist())
    res = "builder/resources/"
    assert {res + "bundle/app.js", res + "bundle/app.css", res + "templates/explorer.html.j2",
            res + "content/index.md", "builder/models/weights/atlas-demo.safetensors"} <= names
    assert not any("node_modules" in n for n in names)
    site = wheel_site["site"]
    # every file the bundler wrote went into the wheel; the explorer's into explorer/, the page
    # scripts (pages/*) where the docs pages load them (tablesort on every page)
    shipped = {n.removeprefix(res + "bundle/") for n in names if n.startswith(res + "bundle/")}
    assert {"pages/tablesort.js", "pages/saliency.js", "pages/neurons.js"} <= shipped
    assert all((site / "explorer" / n).is_file() for n in shipped if not n.startswith("pages/"))
    with zipfile.ZipFile(wheel_site["wheel"]) as z:
        assert (site / "javascripts" / "tablesort.js").read_bytes() == z.read(res + "bundle/pages/tablesort.js")


def test_the_site_built_from_the_wheel_draws_and_has_its_docs(page, wheel_site):
    with serve_site(wheel_site["site"], prefix="/repo/") as url:
        open_explorer(page, url, text=False)
        assert page.evaluate("window.__atlas.pointCount") == SIZE * 3
        for doc in ("index.html", "reading.html"):
            page.goto(url + doc)
            assert len(page.locator("article").inner_text()) > 200, doc
        assert_clean(page, url)
