"""Cell suppression and its audit: worked examples, hand-made unsafe patterns, and properties."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.report.disclosure.cell_suppression import primary_suppression, protect, suppress
from flows.report.disclosure.lp_audit import audit_suppression, find_failures
from flows.report.disclosure.relations import Relation

T = 5
Table = tuple[dict[str, int], list[Relation]]


def table(regions: Mapping[str, Mapping[str, int]]) -> Table:
    """Forces within regions within All areas, keyed as the workbook keys them."""
    cells: dict[str, int] = {}
    relations: list[Relation] = []
    for region, forces in regions.items():
        for force, count in forces.items():
            cells[f"force:{force}"] = count
        cells[f"region:{region}"] = sum(forces.values())
        relations.append(Relation(f"region:{region}", tuple(f"force:{f}" for f in forces)))
    cells["all"] = sum(cells[r.total] for r in relations)
    relations.append(Relation("all", tuple(r.total for r in relations)))
    return cells, relations


def keys(*names: str) -> frozenset[str]:
    return frozenset(names)


BIG = {"S": {"S1": 40, "S2": 60}, "U": {"U1": 70, "U2": 90}}


# --- primary suppression ---------------------------------------------------------------------


def test_primary_hides_counts_from_one_to_threshold_minus_one_but_never_zero() -> None:
    cells = {"a": 0, "b": 1, "c": 4, "d": 5, "e": 60}
    assert primary_suppression(cells, T) == keys("b", "c")


def test_primary_rejects_negative_counts_and_a_threshold_below_one() -> None:
    with pytest.raises(ValueError, match="negative"):
        primary_suppression({"a": -1}, T)
    with pytest.raises(ValueError, match="threshold"):
        primary_suppression({"a": 1}, 0)


# --- secondary suppression: worked examples ---------------------------------------------------


def test_no_small_counts_means_nothing_is_suppressed() -> None:
    cells, relations = table({"R": {"R1": 5, "R2": 50}, **BIG})
    assert suppress(cells, relations, T) == frozenset()


def test_zeros_are_published_and_suppress_nothing_around_them() -> None:
    cells, relations = table({"R": {"R1": 0, "R2": 0, "R3": 20}, **BIG})
    assert suppress(cells, relations, T) == frozenset()


def test_one_small_force_takes_the_next_smallest_force_with_it() -> None:
    cells, relations = table({"R": {"R1": 3, "R2": 8, "R3": 20, "R4": 40}, **BIG})
    # k = 2 and 3 + 8 >= T + 1, so one complement is enough; the region stays published.
    assert suppress(cells, relations, T) == keys("force:R1", "force:R2")


def test_a_pair_summing_below_t_plus_k_minus_one_takes_a_third_cell() -> None:
    cells, relations = table({"R": {"R1": 1, "R2": 2, "R3": 6, "R4": 9}, **BIG})
    # 1 + 2 < T + 1, so the smallest published force joins them: 1 + 2 + 6 >= T + 2.
    assert suppress(cells, relations, T) == keys("force:R1", "force:R2", "force:R3")


def test_a_complement_is_never_a_zero_while_a_non_zero_cell_is_left() -> None:
    cells, relations = table({"R": {"R1": 3, "R2": 0, "R3": 0, "R4": 30}, **BIG})
    assert suppress(cells, relations, T) == keys("force:R1", "force:R4")


def test_ties_between_equal_counts_go_to_the_smaller_key() -> None:
    cells, relations = table({"R": {"R3": 7, "R1": 3, "R2": 7}, **BIG})
    assert suppress(cells, relations, T) == keys("force:R1", "force:R2")


def test_a_small_region_total_propagates_into_all_areas() -> None:
    cells, relations = table({"R": {"R1": 1, "R2": 2}, "S": {"S1": 6, "S2": 9}, **BIG})
    # Region R (3) cannot meet the rule even fully hidden, so all of it goes; All areas then
    # needs a second region (S, the smallest), and S needs one of its own forces (S1).
    expected = keys("force:R1", "force:R2", "region:R", "region:S", "force:S1")
    assert suppress(cells, relations, T) == expected


def test_a_relation_that_cannot_meet_the_rule_hides_its_non_zero_cells_but_never_a_zero() -> None:
    cells, relations = table({"R": {"R1": 1, "R2": 0}, **BIG})
    hidden = suppress(cells, relations, T)
    # R1 and its region total (both 1) cannot meet the rule alone; the zero stays published, and
    # All areas takes a second region with one of its forces, which leaves R at 1..40.
    assert hidden == keys("force:R1", "region:R", "region:S", "force:S1")
    assert "force:R2" not in hidden
    result = audit_suppression(cells, relations, hidden, T)
    assert result.passed
    assert {r.cell: (r.low, r.high) for r in result.ranges}["force:R1"] == (1.0, 40.0)


def test_the_audit_strengthens_what_the_rule_leaves_narrow_across_the_hierarchy() -> None:
    cells, relations = table({"A": {"A1": 1}, "B": {"B0": 25, "B1": 1}, "C": {"C0": 32}})
    # The rule alone: A (1) cannot meet it, All areas takes B (26), B is then satisfied by B1.
    # But All and C are published, so A + B = 27 and B - B1 = 25: A + B1 = 2, and as every [c]
    # is at least 1, both are pinned at 1.
    by_rule = keys("force:A1", "region:A", "region:B", "force:B1")
    narrow = audit_suppression(cells, relations, by_rule, T)
    assert [(r.cell, r.low, r.high) for r in narrow.failures][:2] == [
        ("force:A1", 1.0, 1.0),
        ("force:B1", 1.0, 1.0),
    ]
    # Hiding B0 (the smallest cell next to a failing one) opens every range to 1..25 or wider.
    hidden = suppress(cells, relations, T)
    assert hidden == by_rule | keys("force:B0")
    result = audit_suppression(cells, relations, hidden, T)
    assert result.passed
    assert min(r.width for r in result.ranges) == 24


def test_a_total_forced_into_primary_is_protected_like_any_other_cell() -> None:
    cells = {"total": 60, "a": 10, "b": 20, "c": 30}
    relations = [Relation("total", ("a", "b", "c"))]
    assert protect(cells, relations, T, forced=keys("total")) == keys("total", "a")


def test_the_pattern_does_not_depend_on_dict_or_relation_order() -> None:
    cells, relations = table({"R": {"R1": 3, "R2": 7, "R3": 7}, "S": {"S1": 2, "S2": 9}, **BIG})
    reordered = dict(reversed(list(cells.items())))
    assert suppress(reordered, relations[::-1], T) == suppress(cells, relations, T)


def test_bad_inputs_are_refused() -> None:
    cells, relations = table({"R": {"R1": 3, "R2": 7}, **BIG})
    with pytest.raises(ValueError, match="not in the table"):
        protect(cells, relations, T, forced=keys("force:nowhere"))
    with pytest.raises(ValueError, match="add up"):
        suppress({**cells, "region:R": 11}, relations, T)
    with pytest.raises(ValueError, match="repeats"):
        Relation("t", ("a", "a"))


# --- the audit ----------------------------------------------------------------------------------


def test_the_audit_fails_a_lone_suppressed_cell_at_its_true_value() -> None:
    cells, relations = table({"R": {"R1": 3, "R2": 8}, **BIG})
    result = audit_suppression(cells, relations, keys("force:R1"), T)
    assert not result.passed
    (failure,) = result.failures
    assert (failure.cell, failure.low, failure.high) == ("force:R1", 3.0, 3.0)


def test_the_audit_knows_a_c_is_at_least_one_so_a_pair_needs_t_plus_one_between_them() -> None:
    relations = [Relation("total", ("a", "b", "c"))]
    # a + b = 5: each is 1..4 (zeros would be published), three apart, narrower than T - 1.
    narrow = audit_suppression({"total": 20, "a": 1, "b": 4, "c": 15}, relations, keys("a", "b"), T)
    assert [(r.cell, r.low, r.high) for r in narrow.failures] == [("a", 1, 4), ("b", 1, 4)]
    # a + b = 6 = T + k - 1, the rule's own bound: each is 1..5, exactly T - 1 wide.
    wide = audit_suppression({"total": 20, "a": 1, "b": 5, "c": 14}, relations, keys("a", "b"), T)
    assert wide.passed
    assert [(r.low, r.high) for r in wide.ranges] == [(1, 5), (1, 5)]


def test_the_audit_refuses_a_suppressed_zero() -> None:
    cells = {"total": 20, "a": 0, "b": 5, "c": 15}
    with pytest.raises(ValueError, match="zeros are published"):
        audit_suppression(cells, [Relation("total", ("a", "b", "c"))], keys("a", "b"), T)


def test_an_unpublished_top_total_leaves_its_cells_unbounded_above_which_passes() -> None:
    cells, relations = table({"R": {"R1": 3, "R2": 8}, **BIG})
    hidden = keys("all", "region:R", "force:R1", "force:R2")
    result = audit_suppression(cells, relations, hidden, T)
    assert result.passed
    assert all(math.isinf(r.high) for r in result.ranges)


def test_the_audit_of_nothing_passes_and_refuses_figures_that_do_not_add_up() -> None:
    cells, relations = table({"R": {"R1": 3, "R2": 8}, **BIG})
    assert audit_suppression(cells, relations, frozenset(), T).ranges == ()
    with pytest.raises(ValueError, match="add up"):
        audit_suppression({**cells, "all": 1}, relations, keys("force:R1"), T)


def national_table(every: int) -> Table:
    """43 forces in 10 regions, every `every`-th with a count below T, the rest in hundreds."""
    sizes = (5, 6, 3, 4, 5, 4, 6, 4, 4, 2)
    regions: dict[str, dict[str, int]] = {}
    number = 0
    for r, size in enumerate(sizes):
        regions[f"Region {r}"] = {}
        for _ in range(size):
            count = 1 + number % (T - 1) if number % every == 0 else 100 + 37 * number
            regions[f"Region {r}"][f"E230000{number:02d}"] = count
            number += 1
    return table(regions)


def test_a_43_force_table_with_ten_suppressed_cells_audits_well_inside_a_second() -> None:
    cells, relations = national_table(every=9)
    hidden = suppress(cells, relations, T)  # also imports scipy, outside the timing
    assert 8 <= len(hidden) <= 14
    started = time.perf_counter()
    result = audit_suppression(cells, relations, hidden, T)
    assert time.perf_counter() - started < 1.0
    assert result.passed


# --- properties ----------------------------------------------------------------------------------

# Mostly small counts, so that small cells, small regions and zeros are common.
COUNTS = st.one_of(st.integers(0, 4), st.integers(0, 12), st.integers(0, 60))


@st.composite
def hierarchies(draw: st.DrawFn, counts: st.SearchStrategy[int] = COUNTS) -> Table:
    regions = {
        f"R{r}": {f"F{r}{f}": draw(counts) for f in range(draw(st.integers(1, 6)))}
        for r in range(draw(st.integers(2, 6)))
    }
    return table(regions)


@st.composite
def with_breakdown(draw: st.DrawFn) -> Table:
    """A hierarchy whose All areas is also split another way, like caller types or channels."""
    cells, relations = draw(hierarchies())
    cuts = sorted(draw(st.lists(st.integers(0, cells["all"]), min_size=1, max_size=3)))
    edges = [0, *cuts, cells["all"]]
    parts = {f"type:{i}": high - low for i, (low, high) in enumerate(itertools.pairwise(edges))}
    return {**cells, **parts}, [*relations, Relation("all", tuple(parts))]


PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("threshold", [3, 5, 10])
@PROPERTY
@given(hierarchy=hierarchies())
def test_every_pattern_suppress_produces_passes_the_audit(threshold: int, hierarchy: Table) -> None:
    cells, relations = hierarchy
    hidden = suppress(cells, relations, threshold)
    assert audit_suppression(cells, relations, hidden, threshold).passed
    assert primary_suppression(cells, threshold) <= hidden


@pytest.mark.parametrize("threshold", [3, 5, 10])
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_without_small_counts_nothing_is_suppressed(threshold: int, data: st.DataObject) -> None:
    counts = st.one_of(st.just(0), st.integers(threshold, 60))
    cells, relations = data.draw(hierarchies(counts))
    assert suppress(cells, relations, threshold) == frozenset()


@PROPERTY
@given(hierarchy=hierarchies(), threshold=st.sampled_from([3, 5, 10]))
def test_every_relation_touching_a_suppressed_cell_meets_the_rule_or_hides_every_non_zero(
    hierarchy: Table, threshold: int
) -> None:
    cells, relations = hierarchy
    hidden = suppress(cells, relations, threshold)
    assert all(cells[key] > 0 for key in hidden)  # zeros are always published
    for relation in relations:
        values = [cells[key] for key in relation.cells if key in hidden]
        shown = [cells[key] for key in relation.cells if key not in hidden]
        if values and any(shown):
            assert len(values) >= 2
            assert sum(values) >= threshold + len(values) - 1


@settings(max_examples=100, deadline=None)
@given(hierarchy=with_breakdown(), threshold=st.sampled_from([3, 5, 10]))
def test_a_second_breakdown_of_all_areas_is_protected_too(hierarchy: Table, threshold: int) -> None:
    cells, relations = hierarchy
    hidden = suppress(cells, relations, threshold)
    assert audit_suppression(cells, relations, hidden, threshold).passed


@settings(max_examples=100, deadline=None)
@given(hierarchy=hierarchies(), threshold=st.sampled_from([3, 5, 10]), data=st.data())
def test_the_pattern_is_the_same_whatever_the_order_of_cells_and_relations(
    hierarchy: Table, threshold: int, data: st.DataObject
) -> None:
    cells, relations = hierarchy
    shuffled_cells = dict(data.draw(st.permutations(list(cells.items()))))
    shuffled_relations = data.draw(st.permutations(relations))
    expected = suppress(cells, relations, threshold)
    assert suppress(shuffled_cells, shuffled_relations, threshold) == expected


@settings(max_examples=100, deadline=None)
@given(hierarchy=hierarchies(), threshold=st.sampled_from([3, 5, 10]), data=st.data())
def test_the_cheap_failure_search_finds_exactly_the_audits_failures(
    hierarchy: Table, threshold: int, data: st.DataObject
) -> None:
    cells, relations = hierarchy
    non_zero = sorted(key for key, value in cells.items() if value > 0)
    if not non_zero:
        return
    hidden = frozenset(data.draw(st.sets(st.sampled_from(non_zero), max_size=8)))
    full = audit_suppression(cells, relations, hidden, threshold)
    assert find_failures(cells, relations, hidden, threshold) == full.failures
