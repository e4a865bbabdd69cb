"""Releases built in memory for disclosure tests: force areas, their counts, no database.

A case gives each force area's counts by caller type, channel and month for both periods of
2018-H1; the release's linked tables are built from them the way read_release_figures builds
them from Postgres.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from flows.core.canonical import CALLER_TYPES, CHANNELS
from flows.core.force_areas import load_force_areas
from flows.core.periods import Period
from flows.report.disclosure.linked_table import Area, linked_cells, month_what, ordered_areas
from flows.report.disclosure.period_pattern import SuppressionPattern
from flows.report.figures import ReleaseFigures

PERIOD = Period(2018, 1)
Counts = dict[str, dict[str, int]]  # force code -> what -> count
CITY_OF_LONDON, METROPOLITAN = "E23000034", "E23000001"
CALLER_SHARES = (0.22, 0.28, 0.22, 0.14, 0.10, 0.04)
CHANNEL_SHARES = (0.45, 0.27, 0.10, 0.13, 0.0, 0.05)


def real_areas() -> tuple[Area, ...]:
    return ordered_areas(Area(a.code, a.name, a.region) for a in load_force_areas())


def spread(total: int, shares: Sequence[float] | np.ndarray, rng: np.random.Generator) -> list[int]:
    if total == 0:
        return [0] * len(shares)
    weights = np.asarray(shares, dtype=float)
    return [int(x) for x in rng.multinomial(total, weights / weights.sum())]


def force_counts(
    period: Period,
    total: int,
    rng: np.random.Generator,
    callers: Sequence[float] | np.ndarray = CALLER_SHARES,
    channels: Sequence[float] | np.ndarray = CHANNEL_SHARES,
    months: Sequence[float] | np.ndarray = (1, 1, 1, 1, 1, 1),
) -> dict[str, int]:
    """One force area's counts by every category and month, summing to total each way."""
    counts: dict[str, int] = {}
    for category, count in zip(CALLER_TYPES, spread(total, callers, rng), strict=True):
        counts[f"caller_type:{category}"] = count
    for category, count in zip(CHANNELS, spread(total, channels, rng), strict=True):
        counts[f"channel:{category}"] = count
    for month, count in zip(period.months, spread(total, months, rng), strict=True):
        counts[month_what(month)] = count
    return counts


def release_from_counts(
    areas: Sequence[Area], previous: Mapping[str, Mapping[str, int]], current: Counts
) -> ReleaseFigures:
    ordered = ordered_areas(areas)
    return ReleaseFigures(
        PERIOD,
        ordered,
        linked_cells(PERIOD.previous(), ordered, previous),
        linked_cells(PERIOD, ordered, current),
        (),
        (),
        True,
    )


def release_from_totals(
    totals: Mapping[str, tuple[int, int]], seed: int, areas: Sequence[Area] | None = None
) -> ReleaseFigures:
    """Each force area's (previous, current) totals spread over categories and months."""
    rng = np.random.default_rng(seed)
    chosen = areas if areas is not None else real_areas()
    columns: tuple[Counts, Counts] = ({}, {})
    for area in chosen:
        for column, period in enumerate((PERIOD.previous(), PERIOD)):
            columns[column][area.code] = force_counts(period, totals[area.code][column], rng)
    return release_from_counts(chosen, *columns)


def sparse_release(seed: int, small: int = 8) -> ReleaseFigures:
    """Small counts in several regions: `small` tiny force areas (City of London always one,
    with 3 contacts this period), uneven category shares; the rest 25 to 399 contacts."""
    rng = np.random.default_rng(seed)
    areas = real_areas()
    codes = [a.code for a in areas if a.code != CITY_OF_LONDON]
    tiny = {CITY_OF_LONDON, *rng.choice(codes, size=small - 1, replace=False)}
    columns: tuple[Counts, Counts] = ({}, {})
    for column, period in enumerate((PERIOD.previous(), PERIOD)):
        for area in areas:
            if area.code == CITY_OF_LONDON:
                total = 3 if column == 1 else int(rng.integers(1, 8))
            elif area.code in tiny:
                total = int(rng.integers(2, 25))
            else:
                total = int(rng.integers(25, 400))
            callers = rng.dirichlet(np.asarray(CALLER_SHARES) * 8 + 0.2)
            channels = rng.dirichlet(
                np.where(np.asarray(CHANNEL_SHARES) > 0, CHANNEL_SHARES, 0.02) * 8 + 0.2
            )
            months = rng.dirichlet(np.ones(6) * 3)
            columns[column][area.code] = force_counts(period, total, rng, callers, channels, months)
    return release_from_counts(areas, *columns)


def new_pattern(release: ReleaseFigures, threshold: int) -> SuppressionPattern:
    """The production pattern of both periods, computed in memory (nothing stored)."""
    from flows.report.disclosure.history_audit import revision_pattern

    hidden = {
        column: revision_pattern(period, release.areas, release.column(column), (), threshold)
        for column, period in (("previous", PERIOD.previous()), ("current", PERIOD))
    }
    return SuppressionPattern(hidden["previous"], hidden["current"])
