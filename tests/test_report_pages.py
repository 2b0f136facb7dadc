"""The build report and metrics pages from report dicts, through the real MkDocs build: issues by
kind with capped, collapsed item lists, stage times filled in after the render stage, labelled
tables for every measurement, retrieval strict and counting the same text."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest

from builder.issues import group_issues, issue_kind, issues_csv, summary_lines
from builder.render.metric_labels import LABELS, measurement_rows
from builder.render.pages import build_report_page, metrics_page, report_pages
from builder.render.report_page import fill_stage_times
from support import CONTENT, write_docs

# the analyses' metrics as a demo build with every analysis wrote them (300 images)
ANALYSES = {
    "saliency": {"tower": "vit", "method": "gradient-weighted attention relevancy", "maps": 294, "grid": [8, 8],
                 "maps_per_second": 59.2, "device": "cpu",
                 "pointing_game": {"pairs": 100, "accuracy": 0.92, "accuracy_tokens": 0.33, "accuracy_without_word": 0.899,
                                   "accuracy_with_word": 1.0, "mean_box_area": 0.1326},
                 "deletion": {"pairs": 100, "steps": 10, "auc_salient": 0.131, "auc_random": 0.467, "auc_tokens": 0.58,
                              "salient_below_random": 0.99, "curve_salient": [0.82, 0.26, 0.05],
                              "curve_random": [0.82, 0.5, 0.05], "curve_tokens": [0.82, 0.7, 0.05]},
                 "typographic": {"images": 58, "word_win_rate": 0.0, "mean_margin": -0.519,
                                 "by_kind": {"colour": {"images": 22, "word_wins": 0.0},
                                             "shape": {"images": 22, "word_wins": 0.25}}}},
    "neurons": {"units": 12, "layers": ["visual.transformer.resblocks.0.mlp.gelu"], "steps": 32, "image_size": 64,
                "batch_size": 64, "share_exceeding_dataset_max": 0.5, "median_ratio_to_dataset_max": 1.068,
                "dataset_pass_seconds": 11.4, "optimise_seconds": 15.7, "optimise_seconds_per_unit": 1.31,
                "cached": {"dataset_pass": False, "optimised": True}, "seconds": 27.7,
                "exemplar_label_agreement": {"colour": {"exemplar_share": 0.542, "dataset_share": 0.137,
                                                        "units_at_least_75pct": 0.083}}},
    "topology": {"modality_gap": 0.131, "modality_gap_share": 0.004, "category_field": "shape", "categories": 8,
                 "angle_between_categories_deg": 28.9, "angle_within_categories_deg": 24.2,
                 "angle_random_split_deg": 21.2, "subspace_dim": 8, "compute_seconds": {"diagrams": 3.5},
                 "stage_seconds": 31.8},
    "robustness": {"images": 64, "stage_seconds": 27.7, "compute_seconds": {"sweeps": 13.7},
                   "blur_cosine_at_max": 0.582, "gaussian_cosine_at_max": 0.252, "grey_cosine_at_max": 0.011,
                   "salt_pepper_cosine_at_max": 0.564, "grey_linear_r2": 0.986,
                   "sparsity_near_zero_first_last": [0.129, 0.136], "attack_flip_rate": {"1": 0.067, "256": 0.733}},
}
ANALYSIS_PAGES = {f"{name}/index.md": f"# {name}\n" for name in ANALYSES}
# metrics.browser_model as a demo build (300 images, analyses off) wrote it; the stage has no pages
BROWSER_MODEL = {
    "tokenizer": {"identical": 256, "strings": 256},
    "text": {"dtype": "int8", "fp32_bytes": 27860321, "int8_bytes": 7120063, "strings": 256, "min_cosine": 0.99989,
             "mean_cosine": 0.999943, "export_seconds": 51.03},
    "image": {"dtype": "int8", "fp32_bytes": 5152908, "int8_bytes": 1600321, "images": 64, "min_cosine": 0.99936,
              "mean_cosine": 0.999859, "export_seconds": 33.95},
    "index": {"rows": 900, "dim": 128, "sharded": False, "queries": 900, "recall_at_10": 0.9923},
    "dense": {"method": "clearclip", "images": 300, "grid": [8, 8],
              "pointing_game": {"pairs": 100, "accuracy": 0.65, "by_method": {"clearclip": 0.65, "tokens": 0.33},
                                "saliency_gradient": 0.92, "saliency_tokens": 0.33}}}


def _text(markup: str) -> str:
    markup = re.sub(r"<script.*?</script>", " ", markup, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def test_every_measurement_of_every_analysis_has_a_label_and_a_meaning():
    for name, metrics in ANALYSES.items():
        rows = measurement_rows(name, metrics)
        assert rows and all(meaning != "not described" for _, _, meaning in rows), (name, rows)
        assert not any("seconds" in r[0] or "cached" in r[0] for r in rows), rows  # timings: build report
    shown = lambda name: {r[0].replace("\\", ""): r[1] for r in measurement_rows(name, ANALYSES[name])}  # noqa: E731
    rows = shown("neurons")
    assert rows["colour: exemplars agree"] == "54.2 %" and rows["Optimised beats the dataset"] == "50.0 %"
    rows = shown("robustness")
    assert rows["Few-pixel attack: 256 px changed"] == "73.3 %"
    assert rows["Activations near zero, first and last block"] == "12.9 %, 13.6 %"
    assert shown("saliency")["Map grid"] == "8 × 8"
    # a measurement nobody described is still shown, under its key
    assert ["new\\_figure", "0.500", "not described"] in measurement_rows("topology", {"new_figure": 0.5})
    assert set(LABELS) == set(ANALYSES) | {"browser_model"}


def test_the_browser_models_figures_are_labelled_and_link_to_no_page():
    rows = measurement_rows("browser_model", BROWSER_MODEL)
    assert rows and all(meaning != "not described" for _, _, meaning in rows), rows
    shown = {r[0].replace("\\", ""): r[1] for r in rows}
    assert shown["Text tower: least cosine"] == "0.99989"  # not "1.000": a cosine near 1 keeps its digits
    assert shown["Query index: recall@10"] == "99.2 %" and shown["Pointing game, tokens features"] == "33.0 %"
    assert shown["Any-prompt maps: pointing game"] == "65.0 %" and shown["Dense features: grid"] == "8 × 8"
    assert not any("seconds" in r[0] for r in rows)
    md = metrics_page({"metrics": {"browser_model": BROWSER_MODEL}})
    assert "## Model in the browser" in md and "browser_model/index.md" not in md
    skipped = metrics_page({"metrics": {"browser_model": {"skipped": "the ONNX export failed: X"}}})
    assert "_Skipped: the ONNX export failed: X_" in skipped


def test_metrics_page_has_labelled_tables_and_both_retrievals(tmp_path):
    report = {"metrics": {"retrieval": {"i2t@1": 0.463, "t2i@1": 0.307, "i2t@5": 0.9, "t2i@5": 0.925,
                                        "i2t@10": 0.99, "t2i@10": 0.998},
                          "retrieval_same_text": {"i2t@1": 0.493, "t2i@1": 0.353, "i2t@5": 0.907, "t2i@5": 0.953,
                                                  "i2t@10": 0.993, "t2i@10": 0.998},
                          "caption_texts": {"captions": 600, "distinct": 534, "shared": 124}, **ANALYSES}}
    md = metrics_page(report)
    assert "Other measurements" not in md and "dataset_pass_seconds" not in md
    write_docs(tmp_path, CONTENT, {**report_pages(report), **ANALYSIS_PAGES}, title="t")
    text = _text((tmp_path / "metrics.html").read_text("utf-8"))
    assert "Image → text, strict 46.3 %" in text and "Image → text, same text 49.3 %" in text
    assert "Text → image, strict 30.7 %" in text and "Text → image, same text 35.3 %" in text
    assert "Strict counts only an image's own captions" in text and "Same text also counts" in text
    assert "124 of the 600 captions (20.7 %) have a text that is also a caption of another image" in text
    assert "Pointing game: accuracy 92.0 % share of pairs whose map peaks inside the named object's box" in text
    assert "Modality gap 0.131 distance between the mean image vector" in text
    report_text = _text((tmp_path / "build-report.html").read_text("utf-8"))
    assert "Inside the analyses" in report_text and "neurons optimise seconds 15.70 s" in report_text
    assert "neurons cached: optimised from cache" in report_text and "saliency maps per second 59.2 maps/s" in report_text


def _issues(n_missing: int) -> list[dict]:
    out = [{"id": f"gone{i}", "source": f"m.jsonl:{i + 1}", "action": "skipped",
            "reason": f"missing file 'images/gone-{i:05d}.png'"} for i in range(n_missing)]
    out += [{"id": f"cap{i}", "source": f"m.jsonl:{n_missing + i + 1}", "action": "repaired",
             "reason": f"caption {i % 3} is empty or whitespace; dropped"} for i in range(250)]
    return out + [{"id": "<img src=x onerror=alert(1)>", "source": "=cmd|' /C calc'!A0", "action": "skipped",
                   "reason": "not an image file"}]


def test_report_page_groups_issues_and_caps_each_kind(tmp_path):
    report = {"issues": _issues(5000), "stages": [{"name": "collect", "seconds": 1.0}]}
    write_docs(tmp_path, CONTENT, report_pages(report), title="t")
    page = (tmp_path / "build-report.html").read_text("utf-8")
    assert len(page.encode()) < 200_000, len(page.encode())
    text = _text(page)
    assert "skipped: missing file … 5,000" in text and "repaired: caption N is empty or whitespace; dropped 250" in text
    assert "skipped: not an image file 1" in text
    assert page.count('<details class="note">') == 3 and "<details open" not in page
    assert "gone199</code>" in page and "gone200</code>" not in page and "cap199</code>" in page
    assert "The first 200 of 5,000 listed here" in text and "The first 200 of 250 listed here" in text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    rows = list(csv.DictReader(io.StringIO((tmp_path / "build-issues.csv").read_text("utf-8"))))
    assert len(rows) == 5251 and rows[-1]["source"] == "'=cmd|' /C calc'!A0"  # not a formula in a spreadsheet
    assert rows[0]["kind"] == "missing file …" and rows[-1]["id"] == "<img src=x onerror=alert(1)>"


def test_items_listed_on_the_page_are_capped_in_all():
    issues = [{"id": f"i{k}-{n}", "source": "s", "action": "skipped", "reason": f"reason {chr(97 + k)}x"}
              for k in range(5) for n in range(300)]
    md = build_report_page({"issues": issues})
    assert md.count("<code>i") == 600  # 200 of a, 200 of b, 200 of c, none of d and e
    assert "None of the 300 listed here" in md


def test_stage_times_of_the_pending_stage_are_filled_after_rendering(tmp_path):
    stages = [{"name": "collect", "seconds": 1.5, "cached": False, "items": 10},
              {"name": "embed-images", "seconds": 2.5, "cached": False, "computed": 5, "total": 84,
               "note": "embedded 5 of 84 images (79 from cache)"}]
    report = {"stages": stages}
    write_docs(tmp_path, CONTENT, report_pages(report, pending=("render",)), title="t")
    files = {name: (tmp_path / name).read_bytes() for name in ("build-report.html", "search/search_index.json")}
    assert b"@@atlas-stage-s2@@" in files["build-report.html"] and b"@@atlas-stage-" in files["search/search_index.json"]
    stages.append({"name": "render", "seconds": 6.0, "cached": False})
    fill_stage_times(files, stages)
    text = _text(files["build-report.html"].decode())
    assert "Total: 10.0 s" in text and "@@atlas" not in text
    assert "collect 1.50 computed 10 items read 15.0 %" in text
    assert "embed-images 2.50 partly cached embedded 5 of 84 images (79 from cache) 25.0 %" in text
    assert "render 6.00 computed 60.0 %" in text
    index = json.loads(files["search/search_index.json"])
    assert "@@atlas" not in json.dumps(index) and "60.0 %" in json.dumps(index, ensure_ascii=False)


@pytest.mark.parametrize("reason, kind", [
    ("missing file 'images/0001.png'", "missing file …"),
    ("no caption file cat.txt", "no caption file …"),
    ("caption 3 has 1200 characters; truncated to 1000", "caption N has N characters; truncated to N"),
    ("a symlink pointing outside the dataset root: '../x.png'", "a symlink pointing outside the dataset root: …"),
    ("declared size 9000x9000 exceeds 89478485 pixels (decompression bomb guard)",
     "declared size NxN exceeds N pixels (decompression bomb guard)"),
    ("caption for image id 'abc', which is not in the file's images", "caption for image id …, which is not in the file's images"),
    ("not an image file", "not an image file"),
    (None, "(no reason given)"),
])
def test_issue_kind_leaves_out_what_names_one_item(reason, kind):
    assert issue_kind(reason) == kind


def test_summary_lines_group_and_give_an_example():
    issues = _issues(3)
    groups = group_issues(issues)
    assert [(g["action"], g["count"]) for g in groups] == [("repaired", 250), ("skipped", 3), ("skipped", 1)]
    lines = summary_lines(issues, max_groups=2)
    assert lines[1] == "3 skipped: missing file … (e.g. m.jsonl:1: missing file 'images/gone-00000.png')"
    assert lines[2] == "1 more in 1 other kinds"
    assert issues_csv([]) == "id,source,action,kind,reason\n"


def test_the_demo_models_held_out_figures_reach_the_metrics_page_beside_their_targets():
    """The build report carries the shipped demo model's held-out figures (its metrics JSON), and
    the metrics page states each with its target and whether it is met, as measured."""
    from builder.datasets.demo import ATTRIBUTES
    from builder.render.demo_model_page import HELDOUT_ROWS, demo_model_section
    from builder.render.markdown import fmt_pct, md_text
    from builder.report import demo_model_figures

    dm = demo_model_figures("demo")
    assert dm is not None and demo_model_figures("ViT-B-32/openai") is None
    text = "\n".join(demo_model_section({"demo_model": dm}))
    shown = 0
    for label, path, target in HELDOUT_ROWS:
        v = dm
        for k in path:
            v = v.get(k) if isinstance(v, dict) else None
        rows = [line for line in text.splitlines() if line.startswith(f"| {md_text(label)} |")]
        if v is None:  # a figure the metrics JSON does not have is left out, not shown as 0
            assert not rows, label
            continue
        shown += 1
        row = rows[0]
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == fmt_pct(v)
        if target is not None and path[-1].startswith("synonym_relative_"):
            attribute = path[-1].removeprefix("synonym_relative_")
            canon_ok = dm["heldout"][f"zeroshot_{attribute}"] >= 2 / len(ATTRIBUTES[attribute])
            assert cells[3] == (("yes" if v >= target else "no") if canon_ok else
                                "no: the canonical prompts are at chance"), label
        elif target is not None:
            assert cells[3] == ("yes" if v >= target else "no"), label
    assert "seed 2" in text and shown >= 6
    # the behaviours, each table row against the figure it shows
    beh = dm["behaviours"]
    lines = text.splitlines()

    def row(first: str) -> list[str]:
        hit = [line for line in lines if line.startswith(f"| {first} |")]
        assert hit, first
        return [c.strip() for c in hit[0].strip("|").split("|")]

    for prefix, f in beh["prefixes"].items():
        assert row(prefix)[1:3] == [f"{f['cosine_change']:+.4f}", fmt_pct(f["accuracy"])]
    for k in ("reference", "squash", "pad"):
        assert row(k)[1:] == [f"{beh['preprocessing'][k]['cosine_to_crop']:.4f}", fmt_pct(beh["preprocessing"][k]["zeroshot_shape"])]
    for b in beh["sparsity"]["blocks"]:
        assert row(b["name"])[1:] == [fmt_pct(b["near_zero"]), fmt_pct(b["nonpositive"])]
    assert demo_model_section({}) == []
