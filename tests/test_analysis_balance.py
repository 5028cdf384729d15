import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from reportgen.analysis.class_balance import balance_table, chi_square_homogeneity, jensen_shannon
from reportgen.model import AnalysisConfig


def test_chi_square_matches_scipy_contingency_test():
    # Reference: scipy's own contingency test (no Yates correction, as ours), and for two
    # classes (one degree of freedom) the closed form p = erfc(sqrt(stat / 2)).
    a, b = np.array([800, 150, 50, 0]), np.array([80, 20, 3, 0])
    stat, dof, p = chi_square_homogeneity(a, b)
    ref = stats.chi2_contingency(np.array([a[:3], b[:3]]), correction=False)
    assert dof == 2  # the class absent from both splits is dropped
    assert_allclose((stat, p), (ref.statistic, ref.pvalue), rtol=1e-12)
    stat, dof, p = chi_square_homogeneity(np.array([60, 40]), np.array([40, 60]))
    assert dof == 1
    assert_allclose(p, math.erfc(math.sqrt(stat / 2)), rtol=1e-12)
    assert chi_square_homogeneity(np.array([5, 0]), np.array([0, 0])) == (0.0, 0, 1.0)


def test_table_statistics_by_hand():
    t = balance_table(
        {"train": {"a": 800, "b": 150, "c": 50}, "test": {"a": 80, "b": 20, "c": 0}},
        {"a": "cat", "b": "dog", "c": "cow"},
    )
    assert t.classes == ("a", "b", "c") and t.names == ("cat", "dog", "cow")
    assert t.counts == {"train": (800, 150, 50), "test": (80, 20, 0)}
    assert t.totals == {"train": 1000, "test": 100}
    assert_allclose(t.percentages["train"], (80.0, 15.0, 5.0))
    assert_allclose(t.imbalance_ratio["train"], 16.0)
    assert_allclose(t.imbalance_ratio["test"], 4.0)  # over classes present
    p = np.array([0.8, 0.15, 0.05])
    assert_allclose(t.normalised_entropy["train"], -np.sum(p * np.log(p)) / np.log(3))
    assert t.missing == {"train": (), "test": ("cow",)}
    assert t.reference == "train"
    (sh,) = t.shifts
    assert sh.split == "test" and sh.dof == 2
    kinds = sorted(f.kind for f in t.flags)
    assert kinds == ["class_imbalance", "class_missing"]  # shift too small for 100 examples
    imb = next(f for f in t.flags if f.kind == "class_imbalance")
    assert imb.message == (
        "Classes in the train split are imbalanced: the largest (cat, 800 examples) has 16\u00d7 "
        "as many as the smallest (cow, 50)."
    )
    miss = next(f for f in t.flags if f.kind == "class_missing")
    assert miss.message == "Class cow has no examples in the test split."


def test_balanced_identical_splits_raise_no_flags():
    t = balance_table({"train": {0: 500, 1: 500, 2: 500}, "val": {0: 100, 1: 100, 2: 100}})
    assert t.flags == ()
    assert_allclose(t.normalised_entropy["train"], 1.0)
    assert t.shifts[0].jsd == pytest.approx(0.0, abs=1e-12)
    assert t.shifts[0].p_value == pytest.approx(1.0)


def test_jsd_known_values():
    assert_allclose(jensen_shannon(np.array([1.0, 0.0]), np.array([0.0, 1.0])), 1.0)
    # p = (1/2, 1/2), q = (1, 0): m = (3/4, 1/4)
    p, q, m = np.array([0.5, 0.5]), np.array([1.0, 0.0]), np.array([0.75, 0.25])
    expected = 0.5 * np.sum(p * np.log2(p / m)) + 0.5 * np.log2(1 / 0.75)
    assert_allclose(jensen_shannon(p, q), expected)


def test_chi_square_homogeneity_by_hand():
    a, b = np.array([30, 10]), np.array([10, 30])
    # expected 20 in every cell: 4 * 10^2 / 20 = 20, dof 1
    stat, dof, p = chi_square_homogeneity(a, b)
    assert_allclose(stat, 20.0)
    assert dof == 1
    assert_allclose(p, math.erfc(math.sqrt(10.0)))


def test_distribution_shift_flag():
    t = balance_table(
        {"train": {"x": 5000, "y": 5000}, "validation": {"x": 800, "y": 200}},
        config=AnalysisConfig(imbalance_ratio=10.0),
    )
    (f,) = [f for f in t.flags if f.kind == "distribution_shift"]
    assert f.evidence["split"] == "validation" and f.evidence["reference"] == "train"
    assert f.evidence["jsd_bits"] > 0.05 and f.evidence["p_value"] < 0.01
    assert f.message.startswith(
        "The class mix of the validation split differs from the train split"
    )


def test_class_order_and_declared_classes():
    t = balance_table({"all": {"10": 1, "2": 3, "b": 1, "a": 2}})
    assert t.classes == ("2", "10", "a", "b")
    named = balance_table({"all": {0: 5, 1: 7}}, ["neg", "pos", "unused"])
    assert named.names == ("neg", "pos", "unused")
    assert named.missing["all"] == ("unused",)
    assert named.reference is None and named.shifts == ()


def test_reference_without_a_train_split_is_the_largest():
    t = balance_table({"a": {"x": 1, "y": 1}, "b": {"x": 10, "y": 10}})
    assert t.reference == "b"


def test_bad_counts_raise():
    with pytest.raises(ValueError, match=r"class 'x' in split 'train' has count -1"):
        balance_table({"train": {"x": -1}})
    with pytest.raises(ValueError, match="whole number"):
        balance_table({"train": {"x": 1.5}})
    with pytest.raises(ValueError, match="no class counts"):
        balance_table({})


def test_degenerate_splits():
    one_class = balance_table({"train": {"x": 5}, "val": {"y": 5}})
    assert one_class.normalised_entropy == {"train": 0.0, "val": 0.0}
    assert str(one_class.normalised_entropy["train"]) == "0.0"  # not -0.0
    assert one_class.imbalance_ratio == {"train": None, "val": None}
    (sh,) = one_class.shifts
    assert sh.jsd == pytest.approx(1.0)
    empty = balance_table({"train": {"x": 0, "y": 0}, "val": {"x": 1}})
    assert empty.shifts == ()  # nothing to compare with an empty reference
    assert [f.evidence["split"] for f in empty.flags if f.kind == "class_missing"] == ["val"]
