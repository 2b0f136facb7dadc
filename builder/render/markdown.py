"""Markdown for generated pages: escaping untrusted text, formatting numbers, tables.

Anything that came from the dataset or the config (captions, labels, ids, paths, reasons, names)
is untrusted: MkDocs passes raw HTML through Markdown, so such text goes through `md_text` /
`md_code`, which make it inert (visible characters, never markup).
"""

from __future__ import annotations

import html
import math

# Characters Python-Markdown gives a meaning to and lets a backslash neutralise (its ESCAPED_CHARS
# plus '|' from the tables extension). '<', '>', '&' and quotes become HTML entities instead.
# This covers the extensions enabled in builder.render.docs (no emoji, tilde, caret, mark).
_MD_ESCAPABLE = frozenset("\\`*_{}[]()#+-.!|")


def md_text(value, max_len: int | None = None) -> str:
    """Untrusted text -> inline markdown that renders as exactly this text, on one line.

    Newlines and runs of whitespace collapse to one space (a table cell or a sentence stays
    intact); markdown syntax characters are backslash-escaped; HTML is entity-escaped.
    """
    s = "" if value is None else str(value)
    s = " ".join(s.split())
    if max_len is not None and len(s) > max_len:
        s = s[: max_len - 1] + "…"
    s = "".join("\\" + c if c in _MD_ESCAPABLE else c for c in s)
    return html.escape(s, quote=True)


def md_code(value, max_len: int | None = None) -> str:
    """Untrusted text as inline code (ids, paths): `<code>` around `md_text`."""
    return f"<code>{md_text(value, max_len)}</code>"


def _get(d, *keys, default=None):
    """d[k0][k1]... or `default` when any level is missing or not a dict."""
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _num(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def fmt_value(value) -> str:
    """A config/report value as safe inline markdown."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    if value is None or value == "":
        return "–"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_value(v) for v in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{md_text(k)}: {fmt_value(v)}" for k, v in value.items()) or "–"
    return md_code(value)


def fmt_pct(value) -> str:
    v = _num(value)
    return "n/a" if v is None or math.isnan(v) else f"{100 * v:.1f} %"


def fmt_float(value, digits: int = 3) -> str:
    v = _num(value)
    return "n/a" if v is None or math.isnan(v) else f"{v:.{digits}f}"


def md_table(headers: list[str], rows: list[list[str]], align: str = "") -> str:
    """A markdown table; cells must already be safe markdown. `align` like "lrr" (l/r/c)."""
    if not rows:
        return "_Nothing to show._\n"
    marks = {"l": ":--", "r": "--:", "c": ":-:"}
    sep = [marks.get(align[i] if i < len(align) else "l", ":--") for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
