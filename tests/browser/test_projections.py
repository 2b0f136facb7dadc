"""Switching the projection in the explorer (issue #18): the points move to the other layout's
positions with an animated transition, the picture changes, the URL keeps the choice, and a
link restores it. On the synthetic site: UMAP-like clusters and a PCA of synthetic features."""

from __future__ import annotations

import numpy as np

from explorer_helpers import assert_clean


def open_explorer(page, base_url: str, hash_: str = "", text: bool = True) -> None:
    """explorer_helpers.open_explorer with room for a loaded, shared machine: it waits for the
    explorer's first frame, not for the page's load event."""
    page.set_default_timeout(90_000)
    page.goto(base_url + "explorer/" + hash_, wait_until="domcontentloaded")
    page.wait_for_function("window.__atlas && (window.__atlas.firstFrameMs || window.__atlas.error)")
    assert page.evaluate("window.__atlas.error") is None
    if text:
        page.wait_for_function("window.__atlas.state.textReady")

SAMPLE = [0, 1, 7, 50, 333, 700, 1200, 1999]

POSITIONS = "(ids) => ids.map((i) => window.__atlas.scene.position(i))"
SCREEN = "(ids) => ids.map((i) => { const q = window.__atlas.projectPoint(i); return [q.x, q.y]; })"


def _buffer(site, name: str) -> np.ndarray:
    spec = site["manifest"]["buffers"][name]
    data = site["root"] / "data" / site["dataset"] / spec["file"]
    return np.fromfile(data, "<f2").astype(np.float32).reshape(-1, 3)


def _wait_still(page) -> None:
    page.wait_for_function("!window.__atlas.projections.animating", timeout=20_000)


def test_switching_projection_moves_points_through_a_transition_and_the_url_keeps_it(page, base_url, site):
    open_explorer(page, base_url, text=False)
    pca, umap = _buffer(site, "positions_pca"), _buffer(site, "positions")
    assert np.allclose(page.evaluate(POSITIONS, SAMPLE), umap[SAMPLE], atol=1e-6)
    before_xy = np.array(page.evaluate(SCREEN, SAMPLE))
    before_png = page.screenshot()
    assert page.get_attribute('[data-projection="umap"]', "aria-pressed") == "true"
    # Record point 333's position on every animation frame of the switch (a 3 s transition here:
    # software GL on a loaded machine may draw only a few frames in the usual 600 ms).
    frames = page.evaluate("""async () => {
      const a = window.__atlas, seen = [];
      let on = true;
      const tick = () => { seen.push([performance.now(), ...a.scene.position(333)]); if (on) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
      await a.setProjection('pca', { ms: 3000 });
      on = false;
      return seen;
    }""")
    _wait_still(page)
    assert np.allclose(page.evaluate(POSITIONS, SAMPLE), pca[SAMPLE], atol=1e-6)
    xyz = np.array([f[1:] for f in frames])
    between = [p for p in xyz if not np.allclose(p, umap[333], atol=1e-4) and not np.allclose(p, pca[333], atol=1e-4)]
    assert len(between) >= 3, f"no transition frames: {xyz.tolist()}"
    # intermediate positions lie on the segment from the UMAP to the PCA position
    d = pca[333] - umap[333]
    for p in between:
        t = float(np.dot(p - umap[333], d) / np.dot(d, d))
        assert 0 < t < 1 and np.allclose(umap[333] + t * d, p, atol=2e-3)
    after_xy = np.array(page.evaluate(SCREEN, SAMPLE))
    assert np.abs(after_xy - before_xy).max() > 20  # points moved on screen
    assert page.screenshot() != before_png
    assert "pr=pca" in page.evaluate("location.hash")
    assert page.get_attribute('[data-projection="pca"]', "aria-pressed") == "true"
    # back to the default with the button (600 ms): the URL drops the key
    page.click('[data-projection="umap"]')
    page.wait_for_function("window.__atlas.state.projection === 'umap'")
    _wait_still(page)
    assert np.allclose(page.evaluate(POSITIONS, SAMPLE), umap[SAMPLE], atol=1e-6)
    page.wait_for_function("!location.hash.includes('pr=')")
    assert_clean(page, base_url)


def test_a_link_restores_the_projection(page, base_url, site):
    open_explorer(page, base_url, "#pr=pca", text=False)
    page.wait_for_function("window.__atlas.state.projection === 'pca'")
    _wait_still(page)
    assert np.allclose(page.evaluate(POSITIONS, SAMPLE), _buffer(site, "positions_pca")[SAMPLE], atol=1e-6)
    assert page.get_attribute('[data-projection="pca"]', "aria-pressed") == "true"
    # an unknown projection falls back to the default one (a new hash on the same page: the
    # explorer follows it as it follows back / forward)
    open_explorer(page, base_url, "#pr=isomap", text=False)
    page.wait_for_function("window.__atlas.state.projection === 'umap'")
    _wait_still(page)
    assert np.allclose(page.evaluate(POSITIONS, SAMPLE), _buffer(site, "positions")[SAMPLE], atol=1e-6)
    assert_clean(page, base_url)
