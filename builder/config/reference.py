"""The config reference as markdown, rendered from the field declarations."""

from __future__ import annotations

import dataclasses
import json

from builder.schema import NUMBER, section_fields, type_words
from builder.config.top import SECTIONS, Config

_ITEM_WORDS = {str: "strings", int: "integers", NUMBER: "numbers"}


def _toml(value) -> str:
    """A default as it would be written in a TOML file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _type(spec) -> str:
    words = type_words(spec.types).replace("a list", "list").replace("a string", "string").replace("dict", "table")
    if tuple in spec.types and spec.item in _ITEM_WORDS:
        words = words.replace("list", f"list of {_ITEM_WORDS[spec.item]}")
    return words


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def _table(cls_or_obj) -> list[str]:
    rows = ["| field | type | default | allowed | description |", "|---|---|---|---|---|"]
    for f, spec in section_fields(cls_or_obj):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        rows.append("| " + " | ".join(_cell(c) for c in (
            f"`{f.name}`", _type(spec), f"`{_toml(default)}`", spec.allowed or "any", spec.doc)) + " |")
    return rows


def reference_markdown() -> str:
    """Every section and field of the config: type, default, allowed values and description."""
    out = ["# Configuration reference", "",
           "Every section and field is optional; a TOML file sets the fields it names, e.g.",
           "", "```toml", "[dataset]", 'kind = "demo"', "```", ""]
    for name, cls in SECTIONS.items():
        summary = (cls.__doc__ or "").split(":", 1)[-1].strip().replace("\n    ", " ")
        out += [f"## [{name}]", "", summary[:1].upper() + summary[1:], "", *_table(cls), ""]
    out += ["## Top level", "", "Fields outside any section.", "", *_table(Config), ""]
    return "\n".join(out)
