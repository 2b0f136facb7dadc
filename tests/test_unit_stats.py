"""Known answers for the neuron galleries' unit statistics (builder.compute.unit_stats)."""

import numpy as np
import pytest

from builder.compute import unit_stats as S


def test_rounded_keeps_significant_digits_and_drops_non_finite():
    assert S.rounded(123.456) == 123.5 and S.rounded(0.000123456, 3) == 0.000123
    assert S.rounded(np.float32(2.0)) == 2.0 and isinstance(S.rounded(np.float32(2.0)), float)
    assert S.rounded(float("inf")) is None and S.rounded(np.nan) is None and S.rounded(-np.inf) is None


def test_curve_points_resamples_evenly_with_both_ends():
    assert S.curve_points(np.arange(10.0), 4) == [0.0, 3.0, 6.0, 9.0]
    assert S.curve_points(np.array([1.0, 2.0]), 32) == [1.0, 2.0]  # fewer values than points: all of them
    assert S.curve_points(np.linspace(0, 1, 101), 3) == [0.0, 0.5, 1.0]
    assert S.curve_points(np.zeros(0), 8) == []


def test_unit_statistics_ignore_unreadable_images():
    mean = np.array([[1.0, 5.0], [3.0, -np.inf], [2.0, 4.0]], np.float32)  # 3 images x 2 units
    peak = np.array([[2.0, 6.0], [7.0, -np.inf], [1.0, 9.0]], np.float32)
    top = np.array([[1, 2], [2, 0]])  # unit 0: images 1, 2; unit 1: images 2, 0
    s = S.unit_statistics(mean, peak, top)
    assert s["top_mean"].tolist() == [[3.0, 2.0], [4.0, 5.0]]
    assert s["top_peak"].tolist() == [[7.0, 1.0], [9.0, 6.0]]
    assert s["dataset_max"].tolist() == [3.0, 5.0] and s["dataset_peak_max"].tolist() == [7.0, 9.0]
    assert s["dataset_mean"].tolist() == pytest.approx([2.0, 4.5])  # the unreadable image is left out
    empty = S.unit_statistics(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((2, 0), np.int64))
    assert np.isnan(empty["dataset_max"]).all() and empty["dataset_mean"].shape == (2,)


def test_label_frequencies_and_agreement():
    base = S.label_frequencies({"shape": {"circle": 3, "square": 1}, "only": {"x": 4}, "colour": {"red": 1, "blue": 1}})
    assert base == {"colour": {"red": 0.5, "blue": 0.5}, "shape": {"circle": 0.75, "square": 0.25}}  # sorted, >= 2 values
    got = S.label_agreement({"shape": ["square", "square", "circle", None], "colour": ["red", "blue"]}, base)
    assert got == [{"field": "colour", "value": "blue", "share": 0.5, "base": 0.5},  # a tie: the smallest value
                   {"field": "shape", "value": "square", "share": 0.667, "base": 0.25}]
    assert S.label_agreement({"shape": [None]}, base) == []  # no values: the field is left out


def test_agreement_summary_averages_over_units():
    entries = [{"field": "shape", "share": 1.0, "base": 0.25}, {"field": "shape", "share": 0.5, "base": 0.75},
               {"field": "colour", "share": 0.8, "base": 0.5}]
    assert S.agreement_summary(entries) == {
        "colour": {"exemplar_share": 0.8, "dataset_share": 0.5, "units_at_least_75pct": 1.0},
        "shape": {"exemplar_share": 0.75, "dataset_share": 0.5, "units_at_least_75pct": 0.5}}
    assert S.agreement_summary([]) == {}
