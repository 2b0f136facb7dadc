"""Render the docs through the one writer into a folder, as a build does."""

from __future__ import annotations

from pathlib import Path

from builder.io.writer import SiteWriter
from builder.render.docs import render_docs


def write_docs(out: Path, content_dir: Path, generated: dict, title: str, **kw) -> None:
    writer = SiteWriter()
    writer.add_files(render_docs(content_dir, generated, title, **kw))
    writer.write(out)
