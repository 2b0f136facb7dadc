"""Markdown pages from Jinja templates that live beside the code that fills them.

An analysis keeps its prose in `builder/analyses/<name>/templates/*.md.j2`; its pages module
calls `render("builder.analyses.topology", "index.md.j2", **values)`. Templates produce markdown,
so nothing is HTML-escaped automatically: untrusted text (labels, captions, ids, paths) must go
through the `text` or `code` filter (builder.render.markdown.md_text / md_code), numbers through
`pct` / `num`. Undefined names are errors, not empty strings.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2

from builder.render.markdown import fmt_float, fmt_pct, fmt_value, md_code, md_table, md_text


@lru_cache(maxsize=None)
def _environment(package: str) -> jinja2.Environment:
    folder = resources.files(package).joinpath("templates")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(text=md_text, code=md_code, pct=fmt_pct, num=fmt_float, value=fmt_value)
    env.globals.update(table=md_table)
    return env


def render(package: str, name: str, **values) -> str:
    """The template `name` from `package`'s templates/ folder, filled with `values`."""
    return _environment(package).get_template(name).render(**values)
