"""Claims: an insight taken from one of the earlier tools, stated beside this build's own
measurement, with a verdict computed from the numbers shown, never written by hand.

    spec = ClaimSpec("typographic", "miniClip", "Written words dominate", "A word written ...",
                     "the written word beats the object on {rate} of {images} images",
                     {"rate": PCT, "images": COUNT}, levels("rate", shows=0.5, partly=0.1))
    claim = spec.measure(rate=0.003, images=312)
    claim.verdict        # "absent"
    claim.html()         # the block a page shows (an admonition, verdict in its colour)
    claim.as_dict()      # what the build report and the home page carry

The verdict is computed from each number *as shown* (formatted, then read back), so the sentence
and its verdict can never disagree, even at a threshold. A number that was not measured (None,
NaN) gives the verdict "unknown" and the block says why. Pure: no I/O. Everything inserted into the HTML is escaped.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from typing import Callable

VERDICTS = {
    "shows": "This model shows it.",
    "partly": "This model shows it partly.",
    "absent": "This model does not show it.",
    "unknown": "Not measured in this build.",
}
ADMONITION = {"shows": "success", "partly": "warning", "absent": "failure", "unknown": "note"}


@dataclass(frozen=True)
class Format:
    """How a measured number is shown, and read back from what is shown."""

    name: str
    show: Callable[[float], str]
    pattern: str  # a regex with one group: the number as shown

    def parse(self, text: str) -> float:
        m = re.fullmatch(self.pattern, text.strip())
        if not m:
            raise ValueError(f"{text!r} is not a {self.name} value")
        v = float(m.group(1).replace(",", ""))
        return v / 100 if self.name in ("pct", "points") else v

    def round_trip(self, value) -> float | None:
        """The value as a reader sees it (formatted, read back); None if not measured."""
        if value is None or isinstance(value, bool) or (isinstance(value, float) and math.isnan(value)):
            return None
        return self.parse(self.show(float(value)))


PCT = Format("pct", lambda v: f"{100 * v:.1f}\u00a0%", r"(-?[\d.]+)\s%")  # a no-break space: "56.2 %" stays on one line
NUM = Format("num", lambda v: f"{v:.3f}", r"(-?[\d.]+)")
RATIO = Format("ratio", lambda v: f"{v:.2f}", r"(-?[\d.]+)")
DEG = Format("deg", lambda v: f"{v:.2f}°", r"(-?[\d.]+)°")
COUNT = Format("count", lambda v: f"{int(round(v)):,}", r"(-?[\d,]+)")
POINTS = Format("points", lambda v: f"{100 * v:+.1f}\u00a0points", r"([-+]?[\d.]+)\spoints")  # a change of a share
FORMATS = {f.name: f for f in (PCT, NUM, RATIO, DEG, COUNT, POINTS)}


@dataclass(frozen=True)
class Rule:
    """verdict(values) -> "shows" | "partly" | "absent", over the values as shown; `text` says the
    rule in words for the reader. Only called when every value was measured."""

    text: str
    verdict: Callable[[dict], str]


def levels(name: str, shows: float, partly: float | None = None, fmt: Format = PCT) -> Rule:
    """One number: "shows" at `shows` or more, "partly" at `partly` or more, else "absent"."""
    def verdict(v: dict) -> str:
        x = v[name]
        return "shows" if x >= shows else "partly" if partly is not None and x >= partly else "absent"

    text = f"shows it at {fmt.show(shows)} or more" + (f", partly from {fmt.show(partly)}" if partly is not None else "")
    return Rule(text, verdict)


def parts(*conditions: tuple[str, Callable[[dict], bool]]) -> Rule:
    """Several conditions (text, test): all hold -> "shows", some -> "partly", none -> "absent"."""
    def verdict(v: dict) -> str:
        held = sum(bool(test(v)) for _, test in conditions)
        return "shows" if held == len(conditions) else "partly" if held else "absent"

    text = "shows it when " + " and ".join(t for t, _ in conditions) + "; partly when only some of these hold"
    return Rule(text, verdict)


@dataclass(frozen=True)
class ClaimSpec:
    """An insight and how this build tests it.

    key       stable id (the block's anchor is claim-<key>)
    source    the earlier tool the insight comes from
    title     the insight in a few words
    insight   the insight as that tool stated it
    measured  what this build measured, with {name} where each number goes
    formats   name -> Format of every number in `measured`
    rule      the verdict from the numbers"""

    key: str
    source: str
    title: str
    insight: str
    measured: str
    formats: dict[str, Format]
    rule: Rule

    def measure(self, why_not: str = "", **values) -> "Claim":
        """The claim with this build's numbers (None or missing: not measured, `why_not` says why)."""
        return Claim(self, {n: values.get(n) for n in self.formats}, why_not)


@dataclass(frozen=True)
class Claim:
    spec: ClaimSpec
    values: dict = field(default_factory=dict)
    why_not: str = ""

    @property
    def shown(self) -> dict[str, float | None]:
        return {n: f.round_trip(self.values.get(n)) for n, f in self.spec.formats.items()}

    @property
    def verdict(self) -> str:
        v = self.shown
        if self.why_not or any(x is None for x in v.values()):
            return "unknown"
        return self.spec.rule.verdict(v)

    def text(self) -> str:
        """The measured sentence with its numbers, as plain text (or why it was not measured)."""
        if self.verdict == "unknown":
            return self.why_not or "not measured"
        return self.spec.measured.format(**{n: f.show(float(self.values[n])) for n, f in self.spec.formats.items()})

    def html(self, page_link: str = "") -> str:
        """The claim as an admonition block (raw HTML, every piece escaped); each number in a
        <span class="claim-value" data-name=...>, the verdict in <strong class="claim-verdict">."""
        s, verdict = self.spec, self.verdict
        if verdict == "unknown":
            measured = html.escape(self.why_not or "not measured")
        else:
            measured = html.escape(s.measured)
            for n, f in s.formats.items():
                value = f.show(float(self.values[n]))
                span = f'<span class="claim-value" data-name="{html.escape(n)}">{html.escape(value)}</span>'
                measured = measured.replace("{" + html.escape(n) + "}", span)
        rule = f' <span class="claim-rule">(Rule: {html.escape(s.rule.text)}.)</span>'
        more = f' <a href="{html.escape(page_link, quote=True)}">More</a>' if page_link else ""
        return (f'<div class="admonition {ADMONITION[verdict]} atlas-claim" id="claim-{html.escape(s.key)}" '
                f'data-claim="{html.escape(s.key)}" data-verdict="{verdict}">\n'
                f'<p class="admonition-title">Insight from {html.escape(s.source)}: {html.escape(s.title)}</p>\n'
                f'<p class="claim-insight">{html.escape(s.insight)}</p>\n'
                f'<p class="claim-measured"><strong>This build:</strong> {measured}. '
                f'<strong class="claim-verdict">{VERDICTS[verdict]}</strong>{rule}{more}</p>\n'
                f'</div>\n')

    def as_dict(self) -> dict:
        """For the build report and the home page: key, source, title, the sentence, the verdict."""
        return {"key": self.spec.key, "source": self.spec.source, "title": self.spec.title,
                "measured": self.text(), "verdict": self.verdict,
                "values": {n: self.values.get(n) for n in self.spec.formats}}


def parse_claim(values_shown: dict[str, str], spec: ClaimSpec) -> str:
    """The verdict `spec` gives to numbers read off a page ({name: text as shown}); for tests and
    readers who want to check a page."""
    v = {n: spec.formats[n].parse(t) if t != "n/a" else None for n, t in values_shown.items()}
    if set(v) != set(spec.formats) or any(x is None for x in v.values()):
        return "unknown"
    return spec.rule.verdict(v)
