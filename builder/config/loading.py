"""Loading a Config: from a TOML file with dotted overrides (`load`) or from a dict (`from_dict`);
both check names and types while building and values with `validate`."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from builder.schema import ConfigError, check_section, is_section_field, spec_of
from builder.config.top import Config


def _build(cls, data: dict, where: str):
    """Instantiate dataclass `cls` from `data`, refusing unknown names; TOML arrays become tuples
    and integers floats where the field says so (types and values are checked by `validate`)."""
    if not isinstance(data, dict):
        raise ConfigError(f"[{where}] must be a table, got {type(data).__name__}")
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(
            f"unknown field {where + '.' if where else ''}{unknown[0]}; allowed: {', '.join(sorted(known))}"
        )
    kwargs = {}
    for name, value in data.items():
        f = known[name]
        if is_section_field(f):
            kwargs[name] = _build(f.default_factory, value, f"{where}.{name}" if where else name)
            continue
        types = spec_of(f).types
        if float in types and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, list) and tuple in types:
            value = tuple(value)
        kwargs[name] = value
    return cls(**kwargs)


def validate(cfg: Config) -> Config:
    """Check every field's type and allowed values and every section's rules; returns `cfg`
    unchanged or raises ConfigError naming the field and what it allows."""
    check_section(cfg)
    return cfg


def from_dict(data: dict, base_dir: str = ".") -> Config:
    cfg = _build(Config, {**data, "base_dir": data.get("base_dir", base_dir)}, "")
    return validate(cfg)


def load(path: str | Path | None = None, **overrides) -> Config:
    """Load a TOML config (or the defaults when `path` is None) and apply dotted overrides.

    `overrides` maps "section.field" (with "." replaced by "__") to a value; None values are
    ignored, so CLI options can be passed straight through.
    """
    data: dict = {}
    base = "."
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {str(p)!r} does not exist")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(p)!r} is not valid TOML: {exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"config file {str(p)!r} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                              f"offset {exc.start}); TOML files must be UTF-8: save it again as UTF-8") from None
        except OSError as exc:
            raise ConfigError(f"config file {str(p)!r} cannot be read: {exc.strerror or exc}") from None
        base = str(p.resolve().parent)
    for key, value in overrides.items():
        if value is None:
            continue
        section, _, name = key.partition("__")
        if name:
            data.setdefault(section, {})[name] = value
        else:
            data[section] = value
    return from_dict(data, base_dir=base)
