"""Claims (builder.render.claims, builder.analyses.insights): each insight's verdict follows from
its numbers by its rule, on both sides of every threshold; the verdict is that of the numbers as
shown; what each analysis measures for its claims, on small known inputs; the home page's lines."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from builder.analyses.insights import INSIGHTS
from builder.analyses.robustness import claims as rob
from builder.analyses.saliency import claims as sal
from builder.analyses.topology import claims as top
from builder.render import home
from builder.render.claims import PCT, parse_claim

# For every insight: numbers just below and just above its threshold(s) -> (values, verdict).
# The other numbers of a claim are plausible fillers.
CASES = {
    "descriptions": [({"weight": 0.199, "images": 40}, "absent"), ({"weight": 0.2, "images": 40}, "partly"),
                     ({"weight": 0.499, "images": 40}, "partly"), ({"weight": 0.5, "images": 40}, "shows")],
    "prefix": [({"spread": 0.01, "ratio": 0.19, "margin": 0.05}, "absent"),
               ({"spread": 0.01, "ratio": 0.2, "margin": 0.05}, "partly"),
               ({"spread": 0.03, "ratio": 0.5, "margin": 0.06}, "shows")],
    "typographic": [({"rate": 0.099, "images": 300}, "absent"), ({"rate": 0.1, "images": 300}, "partly"),
                    ({"rate": 0.5, "images": 300}, "shows")],
    "grey": [({"slope": -0.9, "r2": 0.949}, "partly"), ({"slope": -0.9, "r2": 0.95}, "shows"),
             ({"slope": 0.1, "r2": 0.9}, "absent")],
    "sparsity": [({"first": 0.10, "penult": 0.149, "last": 0.099}, "partly"),
                 ({"first": 0.10, "penult": 0.15, "last": 0.10}, "shows"),
                 ({"first": 0.10, "penult": 0.149, "last": 0.149}, "absent")],
    "blend": [({"first": 0.02, "last": -0.02}, "shows"), ({"first": 0.02, "last": 0.02}, "absent"),
              ({"first": 0.009, "last": -0.02}, "partly")],
    "gap": [({"share": 0.0194, "distance": 0.1}, "absent"), ({"share": 0.02, "distance": 0.1}, "partly"),
            ({"share": 0.099, "distance": 0.8}, "partly"), ({"share": 0.1, "distance": 0.8}, "shows")],
    "optimised": [({"weakest": 0.494, "share": 0.8, "units": 156}, "absent"),
                  ({"weakest": 0.5, "share": 0.8, "units": 156}, "partly"),
                  ({"weakest": 0.9, "share": 0.95, "units": 156}, "shows")],
    "blur": [({"share": 0.499, "curves": 16}, "absent"), ({"share": 0.5, "curves": 16}, "partly"),
             ({"share": 0.8, "curves": 16}, "shows")],
    "angles": [({"between": 20.0, "within": 7.0, "random": 5.0, "share": 0.4, "pairs": 28}, "absent"),
               ({"between": 20.0, "within": 7.0, "random": 5.0, "share": 0.5, "pairs": 28}, "partly"),
               ({"between": 20.0, "within": 7.0, "random": 5.0, "share": 0.8, "pairs": 28}, "shows")],
}


def test_every_insight_has_cases_on_both_sides():
    assert set(CASES) == set(INSIGHTS)
    for key, cases in CASES.items():
        assert {"shows", "absent"} <= {v for _, v in cases}, key


@pytest.mark.parametrize("key, values, verdict", [(k, v, w) for k, cs in CASES.items() for v, w in cs],
                         ids=[f"{k}-{w}-{i}" for k, cs in CASES.items() for i, (_, w) in enumerate(cs)])
def test_verdict_follows_the_numbers(key, values, verdict):
    claim = INSIGHTS[key].measure(**values)
    assert claim.verdict == verdict
    assert claim.as_dict()["verdict"] == verdict and claim.as_dict()["key"] == key
    shown = _values_in(claim.html())
    assert set(shown) == set(values) and parse_claim(shown, INSIGHTS[key]) == verdict


def test_the_verdict_is_that_of_the_number_as_shown():
    """49.96 % is shown as 50.0 %: the verdict is that of 50.0 %, never one the reader cannot see."""
    claim = INSIGHTS["typographic"].measure(rate=0.49996, images=10)
    assert "50.0\u00a0%" in claim.text() and claim.verdict == "shows"
    assert INSIGHTS["typographic"].measure(rate=0.49949, images=10).verdict == "partly"  # shown as 49.9 %
    assert PCT.round_trip(0.0994) == pytest.approx(0.099)


@pytest.mark.parametrize("value", [None, float("nan")])
def test_a_number_not_measured_gives_no_verdict(value):
    claim = INSIGHTS["gap"].measure(share=value, distance=0.1)
    assert claim.verdict == "unknown" and "Not measured in this build." in claim.html()
    why = INSIGHTS["gap"].measure("no <b>caption</b> & no image", share=0.5, distance=0.1)
    assert why.verdict == "unknown" and "no &lt;b&gt;caption&lt;/b&gt; &amp; no image" in why.html()
    assert "<b>" not in why.html() and why.as_dict()["measured"] == "no <b>caption</b> & no image"


def test_claim_block_is_an_admonition_with_its_anchor():
    html = INSIGHTS["typographic"].measure(rate=0.003, images=959).html(page_link="saliency/index.html")
    assert html.startswith('<div class="admonition failure atlas-claim" id="claim-typographic"')
    assert 'data-verdict="absent"' in html and "This model does not show it." in html
    assert "Insight from miniClip: written words dominate" in html and "0.3\u00a0%" in html and "959" in html
    assert "(Rule: shows it at 50.0\u00a0% or more, partly from 10.0\u00a0%.)" in html
    assert INSIGHTS["gap"].measure(share=0.3, distance=0.8).html().count("admonition success") == 1


class _Values(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values, self._name = {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "claim-value" in (a.get("class") or ""):
            self._name = a["data-name"]

    def handle_data(self, data):
        if self._name:
            self.values[self._name] = data
            self._name = None


def _values_in(html: str) -> dict[str, str]:
    p = _Values()
    p.feed(html)
    return p.values


# -- what the analyses measure --------------------------------------------------------------------

def _image(obj_sim, miss_sim, prefix_sims, obj_p=0.6, miss_p=0.3):
    prompts = [{"text": "a photo of a red circle", "role": "object", "sim": obj_sim, "p": obj_p},
               {"text": "a photo of a blue circle", "role": "wrong-colour", "sim": miss_sim, "p": miss_p}]
    prefixes = [{"prefix": "a photo of ", "prompt": 0}]
    for s in prefix_sims:
        prefixes.append({"prefix": "x", "prompt": len(prompts)})
        prompts.append({"text": f"x {s}", "role": "prefix", "sim": s, "p": 0.05})
    return {"prompts": prompts, "object_prompt": 0, "prefixes": prefixes}


def test_saliency_claims_from_the_index():
    index = {"images": [_image(0.30, 0.28, [0.26]), _image(0.40, 0.30, [0.38], obj_p=0.9, miss_p=0.9)]}
    d = sal.descriptions(index)
    assert d.values["images"] == 2 and d.values["weight"] == pytest.approx((0.5 + 1.0) / 2)  # capped at 1
    p = sal.prefix(index)
    assert p.values["spread"] == pytest.approx(0.03) and p.values["margin"] == pytest.approx(0.06)
    assert p.values["ratio"] == pytest.approx(0.5) and p.verdict == "shows"
    assert sal.prefix({"images": [_image(0.2, 0.3, [0.1])]}).verdict == "unknown"  # no margin to compare
    assert sal.descriptions({"images": []}).verdict == "unknown"
    t = sal.typographic({"typographic": {"word_win_rate": 0.003, "images": 959}})
    assert t.verdict == "absent" and sal.typographic({}).verdict == "unknown"


def test_robustness_claims_from_the_result():
    blocks = [{"near_zero": v} for v in (0.10, 0.12, 0.20, 0.08)]
    r = {"sweeps": {"grey": {"linear_fit": {"slope": -0.95, "r2": 0.99}}}, "sparsity": {"blocks": blocks},
         "blend": {"near_zero": [[0.30, 0.10], [0.25, 0.12], [0.20, 0.14]]}}
    c = rob.claims(r)
    assert c["grey"].verdict == "shows"
    assert c["sparsity"].values == {"first": 0.10, "penult": 0.20, "last": 0.08} and c["sparsity"].verdict == "shows"
    assert c["blend"].values["first"] == pytest.approx(-0.10) and c["blend"].values["last"] == pytest.approx(0.04)
    assert c["blend"].verdict == "shows"
    assert all(x.verdict == "unknown" for x in rob.claims({"skipped": "no pixels"}).values())
    assert rob.sparsity({"sparsity": {"blocks": blocks[:2]}}).verdict == "unknown"


def test_rising_curves_and_rank_correlation():
    assert top.rising([0, 1, 2, 3, 4], [0, 0.1, 0.2, 0.4, 0.5])
    assert top.rising([0, 1, 2, 3, 4], [0, 0.2, 0.1, 0.4, 0.5])  # one swap: rho 0.9
    assert not top.rising([0, 1, 2, 3, 4], [0, 0.5, 0.1, 0.4, 0.2])
    assert not top.rising([0, 1, 2, 3], [0, 0, 0, 0]) and not top.rising([0, 1, 2, 3], [0.4, 0.3, 0.2, 0.1])
    assert top.rank_correlation([1, 2, 2, 3], [1, 3, 3, 4]) == pytest.approx(1.0)  # ties share their rank


def test_topology_claims_from_the_result():
    levels = [{"kind": "blur", "level": s} for s in (0, 1, 2, 3)] + [{"kind": "gaussian", "level": 0.1}]
    up, flat = [0, 0.1, 0.2, 0.3, 9], [0, 0.3, 0.1, 0.2, 9]
    cat = lambda h0, h1: {d: [{"wasserstein": v} for v in c] for d, c in (("h0", h0), ("h1", h1))}  # noqa: E731
    r = {"perturbations": {"levels": levels, "per_category": [cat(up, up), cat(up, flat)]},
         "gap": {"gap_share": 0.25, "centroid_distance": 0.8},
         "angles": {"images": {"mean": [[0, 30, 6], [30, 0, 30], [6, 30, 0]], "within": [5, 5, 8], "random": 4}}}
    c = top.claims(r)
    assert c["blur"].values == {"share": 0.75, "curves": 4} and c["blur"].verdict == "partly"
    assert c["gap"].verdict == "shows"
    assert c["angles"].values["pairs"] == 3 and c["angles"].values["share"] == pytest.approx(2 / 3)
    assert c["angles"].values["between"] == pytest.approx(22.0) and c["angles"].verdict == "partly"
    assert top.angles({"why_no_categories": "no labels"}).verdict == "unknown"
    assert top.blur({"perturbations": {"skipped": "no images"}}).verdict == "unknown"


# -- the home page --------------------------------------------------------------------------------

def _report(model="demo", kind="demo", name="demo"):
    return {"model": {"name": model, "arch": "atlas-demo", "params": 8179329, "image_size": [64, 64]},
            "config": {"dataset": {"kind": kind, "seed": 0}, "model": {"name": model}},
            "dataset": {"name": name, "counts": {"used": 5000, "captions": 10000}},
            "metrics": {"saliency": {"claims": [{**INSIGHTS["typographic"].measure(rate=0.003, images=9).as_dict(),
                                                 "page": "saliency/index.md"}]}}}


def test_home_page_says_what_this_build_is():
    page = home.home_page("# CLIP Atlas\n\nIntro.\n\n## More\n\nText.\n", _report())
    lines = page.splitlines()
    assert lines[0] == "# CLIP Atlas"
    assert lines[2] == ("**This build:** the demo model (atlas\\-demo, 8.2 M parameters) on the procedural demo "
                        "world, seed 0 (5,000 images, 10,000 captions).")
    assert "trained by this project on a procedural world" in page and "(your-own.md#a-real-clip-model)" in page
    assert page.index("Intro.") < page.index("## What this build shows") < page.index("## More")
    assert "- [Written words dominate](saliency/index.md#claim-typographic) (miniClip): this model **does not show it**. " \
           "The prompt naming the written word beats" in page


def test_home_page_for_a_real_model_has_no_demo_note_and_escapes_names():
    page = home.home_page("# Atlas\n", {**_report("ViT-B-32/openai", "manifest", "<b>mine</b>"), "metrics": {}})
    assert "procedural" not in page and "your-own.md" not in page
    assert re.search(r"\*\*This build:\*\* ViT\\-B\\-32/openai \(atlas\\-demo, 8\.2 M parameters\) on "
                     r"&lt;b&gt;mine&lt;/b&gt; \(5,000 images", page)
    assert "No analysis ran in this build" in page
