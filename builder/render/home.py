"""The home page: the hand-written content/index.md with this build's lines inserted under its
title: which model on which data, for the demo model what that means, and the claims the
analyses tested (metrics.<analysis>.claims in the build report) with their verdicts.

    home_page(content_index_text, report) -> markdown

Pure: text and the report in, markdown out. Names from the config and the dataset go through
md_text; the claims' sentences were made by builder.render.claims and are escaped here too.
"""

from __future__ import annotations

from builder.render.markdown import _dict, _get, _list, md_text

REAL_MODEL_LINK = "your-own.md#a-real-clip-model"
VERDICT_WORDS = {"shows": "shows it", "partly": "shows it partly", "absent": "does not show it",
                 "unknown": "was not measured"}


def _count(n) -> str:
    return f"{n:,}" if isinstance(n, int) else "?"


def _params(n) -> str:
    return f"{n / 1e6:.1f} M parameters" if isinstance(n, (int, float)) and n > 0 else ""


def is_demo_model(report: dict) -> bool:
    return _get(report, "model", "name") == "demo"


def build_line(report: dict) -> str:
    """'**This build:** <model> on <dataset> (<N> images, <M> captions).'"""
    model, ds = _dict(report.get("model")), _dict(report.get("dataset"))
    counts = _dict(ds.get("counts"))
    if model.get("name") == "demo":
        what = "the demo model"
    else:
        what = md_text(model.get("name") or _get(report, "config", "model", "arch") or "the model")
    details = ", ".join(x for x in (md_text(model.get("arch") or ""), _params(model.get("params"))) if x)
    if _get(report, "config", "dataset", "kind") == "demo":
        data = f"the procedural demo world, seed {md_text(_get(report, 'config', 'dataset', 'seed', default=0))}"
    else:
        data = md_text(ds.get("name") or "the dataset")
    return (f"**This build:** {what}{f' ({details})' if details else ''} on {data} "
            f"({_count(counts.get('used'))} images, {_count(counts.get('captions'))} captions).\n")


def demo_note(report: dict) -> str:
    size = _get(report, "model", "image_size")
    px = f"{size[0]}-pixel images" if isinstance(size, list) and size and isinstance(size[0], int) else ""
    details = ", ".join(x for x in (_params(_get(report, "model", "params")), px) if x)
    return (
        '!!! note "A small demo model, not CLIP itself"\n'
        f"    The model of this build is a small CLIP-style model{f' ({details})' if details else ''} "
        "trained by this project on a procedural world of coloured shapes, some with a written word. "
        "It learnt what that world teaches, so behaviours of real CLIP models may be absent here: the "
        "list below says which of them this model shows. To look inside a real CLIP model, "
        f"[build with ViT-B-32/openai]({REAL_MODEL_LINK}).\n")


def claims_of(report: dict) -> list[dict]:
    """Every claim in the report's analyses' metrics, in the order the analyses ran."""
    out = []
    for m in _dict(report.get("metrics")).values():
        out += [c for c in _list(_dict(m).get("claims")) if isinstance(c, dict) and c.get("key") and c.get("page")]
    return out


def claims_section(report: dict) -> str:
    claims = claims_of(report)
    out = [SECTION + "\n",
           "Insights reported by the earlier tools this site unites, each tested on this build's own "
           "measurements; the verdict follows from the number by a fixed rule, given on the page beside it.\n"]
    if not claims:
        out.append("No analysis ran in this build, so none of them was tested (the analyses are set in the "
                   "`[saliency]`, `[neurons]`, `[topology]` and `[robustness]` sections of the config).\n")
        return "\n".join(out)
    items = []
    for c in claims:
        title = str(c.get("title", ""))
        link = f"[{md_text(title[:1].upper() + title[1:])}]({c['page']}#claim-{md_text(c['key'])})"
        verdict = VERDICT_WORDS.get(c.get("verdict"), "not measured")
        items.append(f"- {link} ({md_text(c.get('source', ''))}): this model **{verdict}**. "
                     f"{md_text(_sentence(c.get('measured', '')))}.")
    out.append("\n".join(items) + "\n")
    return "\n".join(out)


def _sentence(text) -> str:
    """A claim's measured text as a sentence of its own ('a description ...' -> 'A description ...')."""
    t = str(text or "").strip().rstrip(".")
    return t[:1].upper() + t[1:]


def this_build(report: dict) -> str:
    """The markdown inserted under the home page's title."""
    report = _dict(report)
    parts = [build_line(report)]
    if is_demo_model(report):
        parts.append(demo_note(report))
    return "\n".join(parts)


SECTION = "## What this build shows"
PLACEHOLDER = "<!-- The build fills this section in"


def home_page(content: str, report: dict) -> str:
    """content/index.md with this build's line (and demo note) under its first '# ' title, and the
    claims section in place of its "## What this build shows" heading and placeholder comment
    (before its first '## ' heading when it has none)."""
    lines = content.splitlines(keepends=True)
    title = next((i for i, line in enumerate(lines) if line.startswith("# ")), -1)
    head, rest = lines[: title + 1], lines[title + 1:]
    at = next((i for i, line in enumerate(rest) if line.rstrip() == SECTION), None)
    if at is None:
        at = end = next((i for i, line in enumerate(rest) if line.startswith("## ")), len(rest))
    else:
        end = at + 1
        while end < len(rest) and (not rest[end].strip() or rest[end].startswith(PLACEHOLDER)):
            end += 1
    intro, tail = "".join(rest[:at]).strip("\n"), "".join(rest[end:])
    section = claims_section(_dict(report))
    return "".join(head) + "\n" + this_build(report) + "\n" + intro + "\n\n" + section + "\n" + tail

