"""Paths as the site and the build report show them: never an absolute path of the building machine.

A path is shown relative to the first of a few named folders that holds it (the config file's
folder, the dataset root, the cache); a path outside all of them is shown by its last component
only, after "…/". Relative paths in the config are relative to the config's folder already and
stay as they are. Pure string work (os.path only; no file is opened).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

OUTSIDE = "…/"
# the config's path fields; every other string is scrubbed of the folders' absolute prefixes
CONFIG_PATHS = (("dataset", "path"), ("dataset", "captions"), ("dataset", "instances"), ("dataset", "karpathy"),
                ("model", "checkpoint"), (None, "cache_dir"))


def _forms(folder) -> list[str]:
    """The absolute spellings of `folder` (as given and with links resolved), longest first."""
    a = os.path.abspath(os.path.expanduser(str(folder)))
    return sorted({a, os.path.realpath(a)}, key=len, reverse=True)


class PublicPaths:
    """`roots`: [(label, folder)] in order of preference; label "" means "relative to it" (the
    config's folder, the dataset root), another label is written in front (e.g. "cache")."""

    def __init__(self, roots: list[tuple[str, object]], home: object | None = None):
        self.roots = [(label, form) for label, folder in roots if folder for form in _forms(folder)]
        if home:
            self.roots += [("~", form) for form in _forms(home)]

    def path(self, value) -> str:
        """One path: relative to the first root holding it, else `…/name`; '' stays ''."""
        if value is None or str(value) == "":
            return ""
        s = os.path.expanduser(str(value))
        if not os.path.isabs(s):
            return Path(s).as_posix()
        for form in {os.path.abspath(s), os.path.realpath(s)}:
            for label, root in self.roots:
                if form == root or form.startswith(root.rstrip(os.sep) + os.sep):
                    rel = Path(os.path.relpath(form, root)).as_posix()
                    rel = "" if rel == "." else rel
                    return "/".join(p for p in (label, rel) if p) or "."
        return OUTSIDE + (Path(s).name or s)

    def text(self, value: str) -> str:
        """Free text (a reason, a description) with every root's absolute prefix taken out."""
        s = str(value)
        for label, root in sorted(self.roots, key=lambda r: -len(r[1])):
            if root in s:  # the root itself, or followed by a separator (not /tmp/x in /tmp/xy)
                s = re.sub(re.escape(root) + r"(?:[/\\](?=\S)|(?![\w-]|\.\w))",
                           lambda m: (f"{label}/" if label else "") if len(m.group()) > len(root) else (label or "."), s)
        return s

    def scrub(self, obj):
        """`obj` (JSON-like) with `text` applied to every string in it."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {k: self.scrub(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.scrub(v) for v in obj]
        return obj

    def config(self, cfg: dict) -> dict:
        """The config dict with its path fields through `path` and `base_dir` shown as "." (the
        folder every relative path is relative to), then scrubbed."""
        out = {k: dict(v) if isinstance(v, dict) else v for k, v in cfg.items()}
        for section, name in CONFIG_PATHS:
            holder = out if section is None else out.get(section)
            if isinstance(holder, dict) and isinstance(holder.get(name), str):
                holder[name] = self.path(holder[name])
        if "base_dir" in out:
            out["base_dir"] = "."
        return self.scrub(out)
