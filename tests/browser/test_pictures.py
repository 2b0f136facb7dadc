"""Pictures on the map and the level of detail, in Chromium (SwiftShader), on the 2,000-point
synthetic site (667 images on three atlas pages, the last one partly filled)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from explorer_helpers import assert_clean, open_explorer

BACKGROUND = (13, 16, 23)
CLOSE = 0.06  # camera distance to the image looked at: its picture fills a large square


def _canvas(page) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(page.locator("#view").screenshot())).convert("RGB"), dtype=np.float64)


def _settle(page) -> None:
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.wait_for_timeout(400)  # the rest timer (150 ms) and a frame after it
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _look_at(page, i: int, distance: float) -> dict:
    page.evaluate("""([i, d]) => { const a = window.__atlas;
        a.camera.setView({target: a.scene.position(i), distance: d, offset: [0, 0]}); a.renderer.invalidate(); }""", [i, distance])
    _settle(page)
    return page.evaluate("(i) => window.__atlas.projectPoint(i)", i)


def _thumbnail(site, i: int) -> np.ndarray:
    """Image i's thumbnail as the builder wrote it: its cell of its atlas page."""
    atlas = site["manifest"]["atlas"]
    per = atlas["cols"] * atlas["rows"]
    page, cell = divmod(i, per)
    img = Image.open(site["root"] / "data" / site["dataset"] / atlas["pages"][page]).convert("RGB")
    r, c = divmod(cell, atlas["cols"])
    s = atlas["cell"]
    return np.asarray(img.crop((c * s, r * s, (c + 1) * s, (r + 1) * s)), dtype=np.float64)


def _nearest_image_first(page, i: int) -> bool:
    return page.evaluate("(i) => { const ids = window.__atlas.scene.pictureIds(); return ids.length > 0 && ids[0] === i; }", i)


def test_close_up_an_image_is_drawn_as_its_thumbnail(page, base_url, site):
    open_explorer(page, base_url, text=False)
    n_img = site["counts"]["I"]
    page.wait_for_timeout(300)
    # far away (the starting view): every image is a dot
    assert page.evaluate("window.__atlas.scene.stats.pictures") == 0
    assert page.evaluate("window.__atlas.scene.pictureIds().length") == 0
    # images on the first page and on the last, partly filled page (wrong cells there were a bug once)
    checked = 0
    for i in (5, n_img - 3):
        q = _look_at(page, i, CLOSE)
        page.wait_for_function("window.__atlas.scene.loadedPages() > 0", timeout=30_000)
        _settle(page)
        if not _nearest_image_first(page, i):
            continue  # another image happens to sit between the camera and this one
        checked += 1
        shot = _canvas(page)
        x, y = round(q["x"]), round(q["y"] - page.locator("#view").bounding_box()["y"])
        px = page.evaluate("window.__atlas.scene.picturePx()[0]")
        assert px >= 40, px
        # never drawn bigger than twice the thumbnail's own pixels: more would show no more detail
        assert px <= 2 * site["manifest"]["atlas"]["cell"], px
        half = int(px * 0.2)  # the middle 40% of the picture: no frame, no neighbours
        drawn = shot[y - half:y + half, x - half:x + half].reshape(-1, 3)
        thumb = _thumbnail(site, i)
        t = thumb.shape[0]
        want = thumb[int(t * 0.3):int(t * 0.7), int(t * 0.3):int(t * 0.7)].reshape(-1, 3)
        diff = np.abs(drawn.mean(0) - want.mean(0))
        assert diff.max() < 20, f"image {i}: drawn mean {drawn.mean(0).round()} vs thumbnail {want.mean(0).round()}"
        # the picture has the thumbnail's structure, not one flat colour
        assert drawn.std(0).max() > 0.5 * want.std(0).max() - 2
        # hovering anywhere on the picture, its edge too, picks its image
        assert page.evaluate("([x, y]) => window.__atlas.pick(x, y)", [q["x"] + px * 0.4, q["y"] - px * 0.4]) == i
        # pictures off: the same place shows the dot (one colour), not the thumbnail
        page.keyboard.press("p")
        _settle(page)
        assert "t=0" in page.evaluate("location.hash")
        off = _canvas(page)[y - half:y + half, x - half:x + half].reshape(-1, 3)
        assert np.abs(off.mean(0) - drawn.mean(0)).max() > 8 or off.std(0).max() < 0.5 * drawn.std(0).max()
        page.keyboard.press("p")
        _settle(page)
        assert "t=0" not in page.evaluate("location.hash")
    assert checked >= 1, "no image could be seen first in line"
    assert_clean(page, base_url)


def test_only_near_images_become_pictures_the_rest_stay_dots(page, base_url, site):
    open_explorer(page, base_url, text=False)
    for distance in (1.9, 1.5, 2.3):  # close enough for some pictures, far enough for some dots
        _look_at(page, 5, distance)
        page.wait_for_function("window.__atlas.scene.loadedPages() > 0", timeout=30_000)
        _settle(page)
        got = _pictures_and_dots(page, site["counts"]["I"])
        if got["ids"] and got["dots"]:
            break
    assert len(got["ids"]) > 0 and got["dots"] > 0, got  # some images on screen are pictures, the rest dots
    assert got["drawn"] == len(got["ids"])
    assert got["captions"] == 0  # captions stay marks
    assert got["w"] == sorted(got["w"])  # nearest first
    assert max(got["w"]) <= got["nearestDot"]  # every image on screen nearer than a picture is one
    assert_clean(page, base_url)


def _pictures_and_dots(page, n_img: int) -> dict:
    return page.evaluate("""(I) => { const a = window.__atlas, ids = a.scene.pictureIds(), m = a.scene.viewProj();
        const w = (i) => { const p = a.scene.position(i); return m[3] * p[0] + m[7] * p[1] + m[11] * p[2] + m[15]; };
        const chosen = new Set(ids), dots = [];
        for (let i = 0; i < I; i++) if (a.projectPoint(i).visible && !chosen.has(i)) dots.push(w(i));
        return {ids, w: ids.map(w), dots: dots.length, nearestDot: Math.min(...dots),
          captions: ids.filter((i) => i >= I).length, drawn: a.scene.stats.pictures}; }""", n_img)


def test_a_set_within_the_motion_budget_draws_no_frame_again_at_rest(page, base_url, site):
    """Moving, a set within the budget already draws every point: coming to rest draws nothing
    (in software GL a redundant frame held up the next click's panel)."""
    open_explorer(page, base_url, text=False)
    page.evaluate("window.__atlas.scene.setPictures(false)")
    box = page.locator("#view").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    for k in range(4):
        page.mouse.move(cx + 20 * (k + 1), cy, steps=1)
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.mouse.up()
    assert page.evaluate("window.__atlas.scene.moving")
    frames = page.evaluate("window.__atlas.timings.frame.length")
    page.wait_for_function("!window.__atlas.scene.moving", timeout=5_000)  # the rest timer came
    page.wait_for_timeout(300)
    assert page.evaluate("window.__atlas.timings.frame.length") == frames
    assert page.evaluate("window.__atlas.scene.stats.drawn") == site["counts"]["N"]


def test_in_motion_a_subset_at_rest_every_point_the_same_picture(page, base_url, site):
    open_explorer(page, base_url, text=False)
    page.evaluate("window.__atlas.scene.setPictures(false); window.__atlas.scene.setMotionBudget(500)")
    box = page.locator("#view").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    view = page.evaluate("window.__atlas.camera.getView()")

    def drag() -> list:
        page.mouse.move(cx, cy)
        page.mouse.down()
        out = []
        for k in range(4):
            page.mouse.move(cx + 20 * (k + 1), cy, steps=1)
            out.append(page.evaluate("new Promise(r => requestAnimationFrame(() => r(window.__atlas.scene.stats.drawn)))"))
        page.mouse.up()
        return out

    def still_at_view():
        page.evaluate("(v) => { const a = window.__atlas; a.camera.setView(v); a.scene.setMoving(true); a.renderer.invalidate(); }", view)
        page.mouse.move(cx, 5)  # off the map (the header): no hover ring, no card
        _settle(page)

    drag()  # the first-visit hint goes away: the same page around the map before and after
    still_at_view()
    before = _canvas(page)
    drawn = drag()
    assert 500 in drawn, drawn  # while moving: the subset
    # back to the same view, still: every point again, the same pixels as before the move
    still_at_view()
    assert page.evaluate("window.__atlas.scene.stats.drawn") == site["counts"]["N"]
    after = _canvas(page)
    lit = lambda img: int((np.abs(img - np.array(BACKGROUND)).max(axis=2) > 24).sum())
    assert lit(after) == lit(before) and lit(before) > 1000
    assert_clean(page, base_url)
