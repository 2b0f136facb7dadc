"""How a config field is declared (`setting`) and the one validator that checks any section.

A field is declared with `setting(default, doc=..., lo=..., hi=..., choices=..., ...)`; the
declaration (a `Spec`, kept in the dataclass field's metadata) says what the field holds and
which values it allows. `check_section` walks a section (or the whole Config, whose fields are
sections) and checks every field's type, range, choices, list items and custom check, then the
section's cross-field rules: a section may define `rules(self)`, a generator that yields one
message per broken rule.

Errors read "<section>.<field> = <value!r> is not allowed; allowed: <allowed>" for a bad value
and "<section>.<field> must be <type>, got <value!r>" for a value of the wrong type.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable


from builder.errors import ConfigError  # noqa: E402,F401 (defined with every expected error; re-exported)


NUMBER = (int, float)
_TYPE_WORDS = {tuple: "a list", str: "a string"}  # as a TOML file calls them


@dataclass(frozen=True)
class Spec:
    """What one field (or one item of a table field) holds and allows.

    For a list field, `lo`/`hi`/`choices`/`also` apply to each item, `item` is the items' type(s)
    and `min_len` the fewest items; for a table field, `item` is the Spec of every value.
    """

    doc: str = ""
    types: tuple = ()
    lo: Any = None
    hi: Any = None
    lo_open: bool = False  # lo itself is not allowed: (lo, hi]
    also: tuple = ()  # values allowed besides the range, e.g. 0 for "0 (auto) or 16..1024"
    choices: tuple | None = None
    item: Any = None
    min_len: int = 0
    check: Callable[[Any], bool] | None = None
    allowed: str = ""

    @property
    def checked(self) -> bool:
        """Whether any value of the right type can be refused."""
        return (self.lo is not None or self.hi is not None or self.choices is not None or self.min_len > 0
                or self.check is not None or self.item is not None)


def setting(default, doc: str, *, lo=None, hi=None, lo_open: bool = False, also: tuple = (), choices=None,
            item=None, min_len: int = 0, check=None, allowed: str = "", types: tuple | None = None):
    """Declare a config field: a `dataclasses.field` whose metadata holds its `Spec`.

    `types` defaults to the type of `default`; `allowed` (the text errors show) defaults to the
    choices ("a, b, c"), the range ("2..200") or "an integer >= lo".
    """
    types = tuple(types) if types else (type(default),)
    if not allowed:
        allowed = _allowed_text(types, lo, hi, choices)
    spec = Spec(doc=doc, types=types, lo=lo, hi=hi, lo_open=lo_open, also=tuple(also),
                choices=tuple(choices) if choices is not None else None, item=item, min_len=min_len,
                check=check, allowed=allowed)
    if (spec.checked and not allowed) or not doc:
        raise TypeError(f"setting({default!r}): a checked field needs `allowed`, every field a `doc`")
    meta = {"spec": spec}
    if isinstance(default, (dict, list)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _allowed_text(types: tuple, lo, hi, choices) -> str:
    if choices is not None:
        return ", ".join(map(str, choices))
    if lo is not None and hi is not None:
        return f"{lo}..{hi}"
    if lo is not None:
        return f"{'an integer' if types == (int,) else 'a number'} >= {lo}"
    return ""


def spec_of(f: dataclasses.Field) -> Spec | None:
    return f.metadata.get("spec")


def section_fields(obj_or_cls) -> list[tuple[dataclasses.Field, Spec]]:
    """The declared fields of a section, in order."""
    return [(f, spec_of(f)) for f in dataclasses.fields(obj_or_cls) if spec_of(f) is not None]


def is_section_field(f: dataclasses.Field) -> bool:
    """A field of Config that holds a whole section (a dataclass built by its default_factory)."""
    return f.default_factory is not dataclasses.MISSING and dataclasses.is_dataclass(f.default_factory)


def type_words(types: tuple) -> str:
    return " or ".join(_TYPE_WORDS.get(t, t.__name__) for t in types)


def is_a(value, types) -> bool:
    """`value` is one of `types` (a type or a tuple), as TOML values are: a bool is no number,
    an int is a float, a list is a tuple. None accepts anything."""
    if types is None:
        return True
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool):
        return bool in types
    if isinstance(value, int) and float in types:
        return True
    if isinstance(value, list):
        return tuple in types or list in types
    return isinstance(value, types)


def _in_range(spec: Spec, x) -> bool:
    if x in spec.also:
        return True
    if spec.choices is not None and x not in spec.choices:
        return False
    if spec.lo is not None and (x < spec.lo or (spec.lo_open and x == spec.lo)):
        return False
    return spec.hi is None or x <= spec.hi


def fits(spec: Spec, value) -> bool:
    """`value` (already of the right type) is allowed by `spec`, its items and its check."""
    if isinstance(value, (tuple, list)):
        ok = len(value) >= spec.min_len and all(is_a(x, spec.item) and _in_range(spec, x) for x in value)
    elif isinstance(value, dict):
        item = spec.item
        ok = item is None or all(is_a(v, item.types) and fits(item, v) for v in value.values())
    else:
        ok = _in_range(spec, value)
    return ok and (spec.check is None or bool(spec.check(value)))


def not_allowed(where: str, value, allowed: str) -> ConfigError:
    return ConfigError(f"{where} = {value!r} is not allowed; allowed: {allowed}")


def check_value(spec: Spec, where: str, value) -> None:
    """Raise ConfigError unless `value` is of the declared type and allowed."""
    if not is_a(value, spec.types):
        raise ConfigError(f"{where} must be {type_words(spec.types)}, got {value!r}")
    if isinstance(value, dict) and spec.item is not None:
        for key, v in value.items():  # name the offending entry of a table
            if not (is_a(v, spec.item.types) and fits(spec.item, v)):
                raise not_allowed(f"{where}.{key}", v, spec.item.allowed)
    if not fits(spec, value):
        raise not_allowed(where, value, spec.allowed)


def check_section(obj, where: str = "") -> None:
    """Check every field of section `obj` (recursing into sub-sections), then its rules()."""
    for f in dataclasses.fields(obj):
        full = f"{where}.{f.name}" if where else f.name
        value = getattr(obj, f.name)
        if is_section_field(f):
            check_section(value, full)
        elif spec_of(f) is not None:
            check_value(spec_of(f), full, value)
    rules = getattr(obj, "rules", None)
    for message in rules() if rules else ():
        raise ConfigError(message)
