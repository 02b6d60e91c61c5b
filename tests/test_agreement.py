"""The agreement measures (annotations/agreement.py) on worked examples with known values."""

import pytest

from annotations.agreement.measures import alpha_u, link_scores, matches, span_scores

# Krippendorff (2004), Figure 2: a continuum of 300 characters (150-450 in the paper), coders
# i and j, labels c and k, as (begin, length) of the units. The paper gives c 0.729, k 1.
FIGURE_2 = {
    "c": {"i": [(225, 70), (370, 30)], "j": [(220, 80), (355, 20), (400, 20)]},
    "k": {"i": [(180, 60), (300, 50)], "j": [(180, 60), (300, 50)]},
}


def units(label):
    return {
        coder: [(begin - 150, begin - 150 + size) for begin, size in spans]
        for coder, spans in FIGURE_2[label].items()
    }


def test_the_papers_worked_example():
    assert alpha_u(units("c"), 300) == pytest.approx(0.729, abs=0.0005)
    assert alpha_u(units("k"), 300) == 1.0


def test_perfect_agreement_is_one_and_no_overlap_at_all_is_at_most_zero():
    same = [(10, 20), (40, 55)]
    assert alpha_u({"a": same, "b": same, "c": same}, 100) == 1.0
    apart = alpha_u({"a": [(0, 10), (50, 60)], "b": [(20, 30), (70, 80)]}, 100)
    assert apart is not None and apart <= 0


def test_closer_boundaries_agree_more():
    near = alpha_u({"a": [(10, 30)], "b": [(11, 30)]}, 100)
    far = alpha_u({"a": [(10, 30)], "b": [(20, 30)]}, 100)
    assert 1 > near > far


def test_nobody_used_the_label_is_undefined():
    assert alpha_u({"a": [], "b": []}, 100) is None
    assert alpha_u({"a": [(0, 5)]}, 100) is None  # one annotator: nothing to compare


def test_exact_and_overlap_scores_by_hand():
    a = [(0, 10, "claim"), (20, 30, "claim"), (40, 50, "denial")]
    b = [(0, 10, "claim"), (22, 30, "claim"), (40, 50, "claim"), (60, 70, "denial")]
    exact = span_scores(a, b, "exact")
    assert (exact.matched, exact.precision, exact.recall) == (1, 1 / 4, 1 / 3)
    assert exact.f1 == pytest.approx(2 / 7)
    loose = span_scores(a, b, "overlap")  # (20,30)~(22,30); labels differ at 40-50
    assert (loose.matched, loose.precision, loose.recall) == (2, 2 / 4, 2 / 3)
    assert span_scores(b, a, "overlap").f1 == loose.f1  # symmetric


def test_overlap_matching_is_one_to_one_largest_first():
    long = [(0, 100, "claim")]
    short = [(0, 10, "claim"), (20, 80, "claim")]
    assert matches(long, short, "overlap") == {(0, 100, "claim"): (20, 80, "claim")}


def test_links_agree_between_matched_spans_with_the_same_kind():
    said_a, claim_a = (0, 6, "attribution"), (10, 30, "claim")
    said_b, claim_b = (0, 6, "attribution"), (12, 30, "claim")
    a_links = [(said_a, claim_a, "attributes")]
    exact = link_scores([said_a, claim_a], [said_b, claim_b], a_links,
                        [(said_b, claim_b, "attributes")], "exact")  # fmt: skip
    assert exact.matched == 0  # the claims differ by two characters
    loose = link_scores([said_a, claim_a], [said_b, claim_b], a_links,
                        [(said_b, claim_b, "attributes")], "overlap")  # fmt: skip
    assert (loose.matched, loose.f1) == (1, 1.0)
