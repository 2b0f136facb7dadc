"""Helpers shared by the explorer browser tests (fixtures live in conftest.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

# JS: the first candidate point that is on screen and is what picking finds at its position.
FIND_PICKABLE = """(cands) => {
  const a = window.__atlas;
  for (const i of cands) {
    const q = a.projectPoint(i);
    if (q.onCanvas && a.pick(q.x, q.y) === i) return {i, x: q.x, y: q.y};
  }
  return null;
}"""


def open_explorer(page, base_url: str, hash_: str = "", text: bool = True) -> None:
    """Go to the explorer and wait for its first frame (and the caption text if `text`)."""
    page.goto(base_url + "explorer/" + hash_)
    page.wait_for_function("window.__atlas && (window.__atlas.firstFrameMs || window.__atlas.error)", timeout=30_000)
    assert page.evaluate("window.__atlas.error") is None
    if text:
        page.wait_for_function("window.__atlas.state.textReady", timeout=30_000)


def open_explorer_patiently(page, base_url: str, hash_: str = "", text: bool = True) -> None:
    """open_explorer with room for a loaded, shared machine: it waits up to 90 s for the
    explorer's first frame, and not for the page's load event."""
    page.set_default_timeout(90_000)
    page.goto(base_url + "explorer/" + hash_, wait_until="domcontentloaded")
    page.wait_for_function("window.__atlas && (window.__atlas.firstFrameMs || window.__atlas.error)")
    assert page.evaluate("window.__atlas.error") is None
    if text:
        page.wait_for_function("window.__atlas.state.textReady")


def find_pickable(page, candidates) -> dict:
    hit = page.evaluate(FIND_PICKABLE, [int(c) for c in candidates])
    assert hit is not None, "no candidate point is visible and pickable"
    return hit


def assert_clean(page, base_url: str) -> None:
    """No console errors, and every request stayed on the site's origin."""
    assert page.errors == [], page.errors
    origin = urlsplit(base_url)
    foreign = [u for u in page.requests
               if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u)[:2] != origin[:2]]
    assert foreign == [], foreign


def atlas_api(page, expr: str, arg=None):
    """Evaluate `expr` (JS, may use `arg`) once `atlas.ready` has resolved."""
    return page.evaluate(f"async (arg) => {{ await window.atlas.ready; return {expr}; }}", arg)


def red_stars_in_top_images(page, labels: list[dict], k: int = 10) -> tuple[list[dict], int]:
    """atlas.query('a red star'): (its hits, best first, and how many of its top k images are red stars)."""
    hits = atlas_api(page, "window.atlas.query('a red star', 200)")
    images = [h for h in hits if h["kind"] == "image"][:k]
    assert len(images) == k, hits[:k]
    return hits, sum(labels[h["index"]]["colour"] == "red" and labels[h["index"]]["shape"] == "star" for h in images)
