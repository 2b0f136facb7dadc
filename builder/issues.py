"""Issues grouped by kind, for the build report page, the console and the "no usable item" error.

An issue's *kind* is its reason with what names one item taken out: quoted text (paths, ids,
captions) becomes "…", file names and paths become "…", numbers become "N". So "missing file
'images/0001.png'" and "missing file 'images/0002.png'" are one kind, "missing file …", counted
once with its number of items. Pure: issue dicts ({id, source, action, reason}) in, dicts out.
"""

from __future__ import annotations

import re

_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_PATHLIKE = re.compile(r"[^\s,;:()]*[/\\][^\s,;:()]*|[^\s,;:()/\\]+\.[A-Za-z][A-Za-z0-9]{0,4}(?![\w.])")
_SIZE = re.compile(r"\b\d+x\d+\b")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
ELLIPSIS = "…"


def issue_kind(reason) -> str:
    """The reason without what names one item: `missing file 'a/b.png'` -> `missing file …`,
    `caption 3 is empty` -> `caption N is empty`, `no caption file x.txt` -> `no caption file …`."""
    text = " ".join(str(reason if reason is not None else "").split())
    text = _QUOTED.sub(ELLIPSIS, text)
    text = _PATHLIKE.sub(ELLIPSIS, text)
    text = _SIZE.sub("NxN", text)
    text = _NUMBER.sub("N", text)
    return text or "(no reason given)"


def group_issues(issues) -> list[dict]:
    """[{action, kind, count, examples: [issue, ...]}] with every issue in the group it belongs to
    (examples in report order), most frequent group first (ties: action, then kind)."""
    groups: dict[tuple[str, str], dict] = {}
    for issue in issues:
        if not isinstance(issue, dict):
            continue
        action = str(issue.get("action") or "?")
        key = (action, issue_kind(issue.get("reason")))
        group = groups.setdefault(key, {"action": action, "kind": key[1], "count": 0, "examples": []})
        group["count"] += 1
        group["examples"].append(issue)
    return sorted(groups.values(), key=lambda g: (-g["count"], g["action"], g["kind"]))


def summary(issues) -> list[dict]:
    """The groups without their item lists, one example each: what the report JSON keeps as
    `issue_summary`."""
    return [{"action": g["action"], "kind": g["kind"], "count": g["count"], "example": g["examples"][0]}
            for g in group_issues(issues)]


def summary_lines(issues, max_groups: int = 8) -> list[str]:
    """One console line per group: `3,000 skipped: missing file … (e.g. line 2: missing file 'a.png')`."""
    groups = group_issues(issues)
    lines = []
    for g in groups[:max_groups]:
        ex = g["examples"][0]
        lines.append(f"{g['count']:,} {g['action']}: {g['kind']} "
                     f"(e.g. {_short(ex.get('source') or ex.get('id'), 60)}: {_short(ex.get('reason'), 120)})")
    if len(groups) > max_groups:
        rest = sum(g["count"] for g in groups[max_groups:])
        lines.append(f"{rest:,} more in {len(groups) - max_groups} other kinds")
    return lines


def _short(value, n: int) -> str:
    s = " ".join(str(value if value is not None else "").split())
    return s if len(s) <= n else s[: n - 1] + ELLIPSIS


CSV_COLUMNS = ("id", "source", "action", "kind", "reason")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def issues_csv(issues) -> str:
    """Every issue as CSV text (id, source, action, kind, reason), in report order. A cell that a
    spreadsheet would read as a formula (starting with = + - @) gets a leading apostrophe."""
    import csv
    import io

    def cell(value) -> str:
        s = " ".join(str(value if value is not None else "").split())
        return "'" + s if s.startswith(_FORMULA_START) else s

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for i in issues:
        if isinstance(i, dict):
            writer.writerow([cell(i.get("id")), cell(i.get("source")), cell(i.get("action")),
                             cell(issue_kind(i.get("reason"))), cell(i.get("reason"))])
    return buf.getvalue()
