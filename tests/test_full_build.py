"""The default build has every analysis. A small demo-world build with the default config (every
analysis on; only their sample sizes made small, so that the test stays quick): every analysis ran
and has its pages, every claim on the rendered pages has the verdict its rule gives to the numbers
shown beside it, and the home page says what was built and lists the same verdicts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from builder import config
from builder.analyses.insights import INSIGHTS
from builder.analyses.registry import ANALYSES
from builder.pipeline import build
from builder.render.claims import VERDICTS, parse_claim
from builder.render.home import VERDICT_WORDS
from support import threads

SIZE = 160
SMALL = {"saliency__images": 8, "saliency__word_images": 4, "saliency__eval_images": 16,
         "neurons__units": "0:4", "neurons__steps": 24,
         "topology__perturb_per_category": 4, "robustness__images": 8, "robustness__attack_images": 4}


@pytest.fixture(scope="module")
def full_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("full")
    with threads(1):  # under pytest two torch threads made the analyses 4-15x slower (measured, 2 cores)
        report = build(config.load(None, dataset__size=SIZE, cache_dir=str(root / "cache"), **SMALL), root / "site",
                       progress=False, log=lambda m: None)
    return root / "site", report


def test_the_default_config_enables_every_analysis():
    cfg = config.load(None)
    assert [a.name for a in ANALYSES] == ["saliency", "neurons", "topology", "robustness"]
    assert all(getattr(cfg, a.name).enabled for a in ANALYSES)
    assert cfg.neurons.steps == 0  # auto: the demo model's 128, another model's 512


def test_every_analysis_ran_and_has_its_pages(full_site):
    site, report = full_site
    stages = [s["name"] for s in report["stages"]]
    for name in ("saliency", "neurons", "topology", "robustness"):
        assert name in stages and name in report["metrics"], name
        assert (site / name / "index.html").is_file(), name
    assert report["metrics"]["neurons"]["steps"] == 24
    assert {c["key"] for m in report["metrics"].values() if isinstance(m, dict) for c in m.get("claims", [])} == set(INSIGHTS)


class _Claims(HTMLParser):
    """Every claim block of a page: key, data-verdict, the verdict's text, the numbers as shown."""

    def __init__(self):
        super().__init__()
        self.claims: list[dict] = []
        self._depth = 0
        self._field: tuple[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag == "div" and "atlas-claim" in cls:
            self.claims.append({"key": a["data-claim"], "data_verdict": a["data-verdict"], "values": {}, "verdict": ""})
            self._depth = 1
        elif self._depth and tag == "div":
            self._depth += 1
        if self._depth and "claim-value" in cls:
            self._field = ("value", a["data-name"])
        elif self._depth and "claim-verdict" in cls:
            self._field = ("verdict", "")

    def handle_endtag(self, tag):
        if self._depth and tag == "div":
            self._depth -= 1
        if tag in ("span", "strong"):
            self._field = None

    def handle_data(self, data):
        if not self._field:
            return
        kind, name = self._field
        if kind == "value":
            self.claims[-1]["values"][name] = self.claims[-1]["values"].get(name, "") + data
        else:
            self.claims[-1]["verdict"] += data


def _claims(path: Path) -> list[dict]:
    p = _Claims()
    p.feed(path.read_text(encoding="utf-8"))
    return p.claims


def test_every_claim_sentence_agrees_with_the_number_shown(full_site):
    site, _ = full_site
    seen = {}
    for page in sorted(site.rglob("*.html")):
        for c in _claims(page):
            expected = parse_claim(c["values"], INSIGHTS[c["key"]]) if c["values"] else "unknown"
            assert c["verdict"] == VERDICTS[expected] and c["data_verdict"] == expected, (page, c)
            seen[c["key"]] = (page.relative_to(site).as_posix(), expected)
    assert set(seen) == set(INSIGHTS), seen
    assert seen["typographic"][0] == "saliency/index.html" and seen["gap"][0] == "topology/geometry.html"
    assert seen["grey"][0] == "robustness/index.html" and seen["sparsity"][0] == "robustness/activations.html"
    measured = [k for k, (_, v) in seen.items() if v != "unknown"]
    assert len(measured) >= 8, seen  # a small build still measures (nearly) every claim


def _text(html: str) -> str:
    import html as html_mod

    return re.sub(r"\s+", " ", html_mod.unescape(re.sub(r"<[^>]+>", " ", html)))


def test_home_page_says_what_was_built_and_lists_every_verdict(full_site):
    site, _ = full_site
    home = (site / "index.html").read_text(encoding="utf-8")
    text = _text(home[home.index('<h1 id="clip-atlas"'):])  # the page's content, after the navigation
    assert (f"This build: the demo model (atlas-demo, 8.2 M parameters) on the procedural demo world, seed 0 "
            f"({SIZE} images, {2 * SIZE} captions).") in text
    assert "trained by this project on a procedural world" in text
    assert 'href="your-own.html#a-real-clip-model"' in home
    assert 'id="a-real-clip-model"' in (site / "your-own.html").read_text(encoding="utf-8")
    assert text.index("This build:") < text.index("CLIP, explained like you are five")
    page_verdicts = {c["key"]: c["data_verdict"] for p in site.rglob("*.html") if p.name != "index.html" or p.parent != site
                     for c in _claims(p)}
    rows = re.findall(r'<a href="([\w/]+\.html)#claim-(\w+)">.*?</a>.*?<strong>([^<]+)</strong>', home, re.S)
    assert {key for _, key, _ in rows} == set(INSIGHTS)
    for href, key, verdict in rows:
        assert (site / href).is_file() and f'id="claim-{key}"' in (site / href).read_text(encoding="utf-8")
        assert verdict == VERDICT_WORDS[page_verdicts[key]], key


def test_analyses_option_switches_them_on_and_off():
    from builder.cli.site_commands import analysis_switches

    cfg = config.load(None, **analysis_switches("saliency, topology"))
    assert [a.name for a in ANALYSES if getattr(cfg, a.name).enabled] == ["saliency", "topology"]
    assert not any(getattr(config.load(None, **analysis_switches("none")), a.name).enabled for a in ANALYSES)
    assert analysis_switches(None) == {}


def test_claims_are_not_repeated_as_raw_values_on_the_metrics_page(full_site):
    site, _ = full_site
    text = _text((site / "metrics.html").read_text(encoding="utf-8"))
    assert "Modality gap" in text and "the modality gap" not in text and "'verdict'" not in text
