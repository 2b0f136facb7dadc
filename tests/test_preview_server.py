"""builder.render.preview_server: a built site served under a sub-path, like GitHub Pages."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from builder.render.preview_server import serve_site


def _get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.headers.get("Content-Type"), r.read()


def test_serves_under_the_prefix_only(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.bin").write_bytes(b"\x00\x01")
    (tmp_path / "index.html").write_text("hi")
    with serve_site(tmp_path, prefix="/repo/") as base:
        assert base.endswith("/repo/")
        status, ctype, body = _get(base + "data/a.bin")
        assert status == 200 and body == b"\x00\x01" and ctype == "application/octet-stream"
        assert _get(base)[2] == b"hi"
        root = base[: -len("repo/")]
        with pytest.raises(urllib.error.HTTPError) as err:
            _get(root + "data/a.bin")
        assert err.value.code == 404


def test_serves_from_a_subprocess_too(tmp_path):
    (tmp_path / "x.txt").write_text("ok")
    with serve_site(tmp_path, prefix="/p/", subprocess_=True) as base:
        assert _get(base + "x.txt")[2] == b"ok"
