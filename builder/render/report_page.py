"""The build report page: every timed stage (with what it took from the cache), the issues grouped
by kind with a collapsed, capped list of the items of each kind, and the configuration.

The page is rendered while the render stage runs, so that stage's time is not known yet: the
stages still running (`pending`) get placeholder cells, which `fill_stage_times` replaces in the
rendered files once they have ended. Untrusted text goes through `md_text` / `md_code`.
"""

from __future__ import annotations

from builder.issues import group_issues
from builder.render.markdown import _dict, _list, _num, fmt_float, fmt_pct, fmt_value, md_code, md_table, md_text

NOT_RECORDED = "_Not recorded in this build._\n"
MAX_PER_KIND = 200  # items listed on the page for one kind of issue
MAX_ROWS = 600  # items listed on the page in all (the CSV file and build-report.json have every one)
ISSUES_CSV = "build-issues.csv"
FILLED = ("build-report.html", "search/search_index.json")  # the files that carry the placeholders


def _token(key: str) -> str:
    return f"@@atlas-stage-{key}@@"


def _stage_values(stages: list[dict]) -> dict[str, str]:
    """The numbers of the stage table: seconds "s<i>", share "p<i>", and "total"."""
    seconds = [_num(s.get("seconds")) or 0.0 for s in stages]
    total = sum(seconds)
    out = {"total": f"{total:.1f}"}
    for i, (s, sec) in enumerate(zip(stages, seconds)):
        out[f"s{i}"] = fmt_float(s.get("seconds"), 2)
        out[f"p{i}"] = fmt_pct(sec / total) if total else "n/a"
    return out


def _result(stage: dict) -> str:
    computed, total = _num(stage.get("computed")), _num(stage.get("total"))
    if stage.get("cached"):
        return "cached"
    if computed is not None and total and 0 < computed < total:
        return "partly cached"
    return "computed"


def _detail(stage: dict) -> str:
    if stage.get("note"):
        return md_text(stage["note"], 120)
    if _num(stage.get("items")) is not None:
        return f"{fmt_value(stage['items'])} items read"
    return ""


def stage_section(report: dict, pending: tuple[str, ...] = ()) -> list[str]:
    """The "Stages" section; the stages named in `pending` have not ended yet: their times (and
    so every share and the total) are placeholders for `fill_stage_times`."""
    stages = [s for s in _list(report.get("stages")) if isinstance(s, dict)]
    stages += [{"name": name} for name in pending]
    values = {k: _token(k) for k in _stage_values(stages)} if pending else _stage_values(stages)
    rows = [[md_text(s.get("name", "?")), values[f"s{i}"], _result(s), _detail(s), values[f"p{i}"]]
            for i, s in enumerate(stages)]
    out = ["## Stages\n"]
    if not rows:
        return out + [NOT_RECORDED]
    out.append(f"Total: {values['total']} s. A cached stage reused the result of an earlier build with "
               "identical inputs and parameters; a partly cached one computed only what the cache lacked "
               "(the detail says how much).\n")
    out.append(md_table(["Stage", "Seconds", "Result", "Detail", "Share"], rows, "lrllr"))
    return out


def fill_stage_times(files: dict[str, bytes], stages: list[dict]) -> None:
    """Put the final stage times into the rendered page and search index in `files` (in place):
    `stages` are all the build's stages, the pending ones last, as `stage_section` listed them."""
    values = _stage_values([s for s in stages if isinstance(s, dict)])
    for name in FILLED:
        if name in files:
            text = files[name].decode("utf-8")
            for key, value in values.items():
                text = text.replace(_token(key), value)
            files[name] = text.encode("utf-8")


def issues_section(report: dict, per_kind: int = MAX_PER_KIND, max_rows: int = MAX_ROWS) -> list[str]:
    """"Issues": a table of the kinds of issue with their counts, then per kind a collapsed list
    of its first `per_kind` items (at most `max_rows` in all)."""
    out = ["## Issues\n"]
    issues = [i for i in _list(report.get("issues")) if isinstance(i, dict)]
    if not issues:
        return out + ["No item was skipped or repaired.\n" if "issues" in report else NOT_RECORDED]
    actions: dict[str, int] = {}
    for i in issues:
        actions[str(i.get("action") or "?")] = actions.get(str(i.get("action") or "?"), 0) + 1
    said = ", ".join(f"{n:,} {md_text(a)}" for a, n in sorted(actions.items(), key=lambda kv: -kv[1]))
    out.append(f"{len(issues):,} issues met while reading the dataset and embedding its images ({said}). "
               "A bad item never stops the build unless it runs with `--strict`. Issues of the same kind "
               "differ only in the item they name (a path, an id, a number), shown as … or N.\n")
    groups = group_issues(issues)
    rows = [[md_text(f"{g['action']}: {g['kind']}", 160), fmt_value(g["count"]), _example(g["examples"][0])]
            for g in groups]
    out.append(md_table(["Kind of issue", "Items", "Example"], rows, "lrl"))
    out.append(f"Every issue, with its item and reason: [{ISSUES_CSV}]({ISSUES_CSV}) ({len(issues):,} rows, "
               "opens in a spreadsheet), and the `issues` list of `build-report.json`.\n")
    out.append("### Items of each kind\n")
    budget = max_rows
    for g in groups:
        shown = g["examples"][: max(0, min(per_kind, budget))]
        budget -= len(shown)
        title = md_text(f"{g['action']}: {g['kind']} ({_items(g['count'])})", 200)
        out.append(f'??? note "{title}"\n')
        if shown:
            table = md_table(["Id", "Source", "Reason"], [
                [md_code(i.get("id"), 80), md_code(i.get("source"), 100), md_text(i.get("reason"), 200)]
                for i in shown])
            out.append("".join(f"    {line}\n" for line in table.splitlines()))
        if len(shown) < g["count"]:
            out.append(f"    {'The first ' + format(len(shown), ',') + ' of' if shown else 'None of the'} "
                       f"{g['count']:,} listed here; [{ISSUES_CSV}]({ISSUES_CSV}) has them all.\n")
    return out


def _items(n: int) -> str:
    return f"{n:,} item" + ("" if n == 1 else "s")


def _example(issue: dict) -> str:
    where = issue.get("source") or issue.get("id")
    return f"{md_code(where, 60)}: {md_text(issue.get('reason'), 100)}"


def config_section(report: dict) -> list[str]:
    out = ["## Configuration\n"]
    cfg = _dict(report.get("config"))
    if not cfg:
        return out + [NOT_RECORDED]
    out.append("Paths are relative to the folder of the configuration file (or, without one, the folder the "
               "build ran in); a path outside it is shown by its name after …/.\n")
    scalars = [[md_text(k), fmt_value(v)] for k, v in cfg.items() if not isinstance(v, dict)]
    if scalars:
        out.append(md_table(["Setting", "Value"], scalars))
    for section, values in cfg.items():
        if isinstance(values, dict):
            out.append(f"**[{md_text(section)}]**\n")
            out.append(md_table(["Setting", "Value"], [[md_text(k), fmt_value(v)] for k, v in values.items()]))
    return out


def analysis_timings_section(report: dict) -> list[str]:
    """Where the analyses' stages spent their time (their metrics' timing entries)."""
    from builder.render.metric_labels import timing_rows

    rows = timing_rows(_dict(report.get("metrics")))
    if not rows:
        return []
    return ["### Inside the analyses\n",
            "Where the analyses' stages spent their time, as each measured it, and what they took from the "
            "cache.\n",
            md_table(["Analysis", "Part", "Time"], rows, "llr")]


def build_report_page(report: dict, max_issues: int = MAX_PER_KIND, pending: tuple[str, ...] = ()) -> str:
    """Stages, issues (`max_issues` items per kind at most), analyses' timings, configuration."""
    report = _dict(report)
    out = ["# Build report\n"]
    if "schema_version" in report:
        out.append(f"Report schema version: {fmt_value(report['schema_version'])}.\n")
    out += stage_section(report, pending)
    out += analysis_timings_section(report)
    out += issues_section(report, per_kind=max_issues)
    out += config_section(report)
    return "\n".join(out)
