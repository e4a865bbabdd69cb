"""An edition's words: the Cover's sections, its key points, the chart titles and alt text.

Every sentence is generated from the published figures (never from hidden ones)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flows.core.periods import Period
from flows.core.settings import Settings
from flows.report.figures import ReportData
from flows.report.tables import ALL_AREAS, CONFIDENTIAL, Table
from flows.report.workbook_archive import ChartText

Section = tuple[str, list[str]]

SOURCE = "Contact records and monthly counts sent by the helpline network's partner services"
ABOVE_REGION_POINTS = 5.0  # a force area is called out when it beats its region by this much
MAX_FORCE_SENTENCES = 5


def publication_date(period: Period) -> date:
    """The first working day after the period ends: the scheduled edition's date.

    Derived from the period, not from the clock, so rebuilding an edition gives the same bytes.
    """
    day = period.end_date + timedelta(days=1)
    while day.weekday() >= 5 or (day.month == 1 and day.day == 1):
        day += timedelta(days=1)
    return day


def _movement(pct: float) -> str:
    if pct > 0:
        return f"rose by {pct:.1f}%"
    if pct < 0:
        return f"fell by {abs(pct):.1f}%"
    return "did not change"


@dataclass(frozen=True)
class _Row:
    name: str
    previous: int
    current: int
    pct: float


def _published_rows(table: Table, name_col: int, prev_col: int) -> list[_Row]:
    rows = []
    for row in table.rows:
        previous, current, pct = row[prev_col], row[prev_col + 1], row[prev_col + 3]
        if isinstance(previous, int) and isinstance(current, int) and isinstance(pct, float):
            rows.append(_Row(str(row[name_col]), previous, current, pct))
    return rows


def key_points(data: ReportData, regions: Table | None, force_areas: Table) -> list[str]:
    previous, current = data.period.previous().label, data.period.label
    if not data.previous_has_data:
        return [f"No contacts were loaded for {previous}, so changes cannot be shown yet."]
    points: list[str] = []
    region_rows = _published_rows(regions, 0, 1) if regions else []
    overall = [r for r in region_rows if r.name == ALL_AREAS]
    for row in overall:
        points.append(
            f"Across all areas, contacts {_movement(row.pct)}, from {row.previous:,} in "
            f"{previous} to {row.current:,} in {current}."
        )
    named_regions = [r for r in region_rows if r.name != ALL_AREAS]
    if named_regions:
        top = max(named_regions, key=lambda r: (r.pct, r.name))
        points.append(
            f"The largest rise was in the {top.name}: contacts {_movement(top.pct)}, from "
            f"{top.previous:,} to {top.current:,}."
            if top.pct > 0
            else f"No region saw a rise; the smallest fall was in the {top.name}."
        )
    region_pct = {r.name: r.pct for r in named_regions}
    above = []
    for cells in force_areas.rows:
        name, region, pct, difference = cells[1], cells[2], cells[6], cells[7]
        if (
            isinstance(pct, float)
            and isinstance(difference, float)
            and difference >= ABOVE_REGION_POINTS
            and str(region) in region_pct
        ):
            above.append((difference, str(name), str(region), pct))
    for _, name, region, pct in sorted(above, key=lambda a: (-a[0], a[1]))[:MAX_FORCE_SENTENCES]:
        points.append(
            f"{name}'s contacts {_movement(pct)}, above the {region} average of "
            f"{region_pct[region]:.1f}%."
        )
    if any(CONFIDENTIAL in row for row in force_areas.rows):
        points.append("Some small counts are shown as [c] to protect the people behind them.")
    return points


def coverage_lines(data: ReportData) -> list[str]:
    """Which partners sent which months, with a warning where the two periods differ."""
    previous, current = data.period.previous(), data.period
    by_partner: dict[str, set[date]] = {}
    for partner, month in data.coverage:
        by_partner.setdefault(partner, set()).add(month)
    lines = []
    for partner in sorted(by_partner):
        months = by_partner[partner]
        had = sum(1 for m in months if m <= previous.last_month)
        has = sum(1 for m in months if m >= current.first_month)
        line = f"{partner}: {had} of 6 months in {previous.label}, {has} of 6 in {current.label}."
        if had != has:
            line += (
                " Warning: this partner's months differ between the two periods, so part of "
                "the change reflects coverage, not demand."
            )
        lines.append(line)
    return lines or ["No partner data."]


def revision_lines(data: ReportData, threshold: int) -> list[str]:
    if not data.revisions:
        return ["No figures have been revised since the last edition."]
    lines = []
    for period, partner, force, action, previous, revised in data.revisions:
        if min(previous, revised) < threshold or abs(revised - previous) < threshold:
            # Partner-level figures are not published cells; small ones could identify people.
            lines.append(f"{period}, {force}: revised ({action} by {partner}; small numbers).")
        else:
            lines.append(
                f"{period}, {force}: {previous:,} revised to {revised:,} ({action} by {partner})."
            )
    return lines


def scope_name(data: ReportData) -> str:
    return data.scope.label


def workbook_title(data: ReportData) -> str:
    title = f"Helpline contacts by police force area, {data.period.long_label}"
    return title if data.scope.kind == "national" else f"{title} ({scope_name(data)})"


def cover_sections(
    data: ReportData, points: list[str], settings: Settings, published: date
) -> list[Section]:
    period, threshold = data.period, settings.suppression_threshold
    return [
        (
            "About these statistics",
            [
                f"Period: {period.long_label} ({period}), compared with "
                f"{period.previous().long_label}.",
                "What is counted: contacts (calls, chats, emails, texts and police referrals) "
                "handled by the helpline network's partner services, by the police force area "
                "the contact related to.",
                f"Coverage of this workbook: {scope_name(data)}.",
            ],
        ),
        ("Key points", points),
        (
            "Confidentiality",
            [
                f"Counts from 1 to {threshold - 1} are shown as [c], with other figures that would "
                f"reveal them (threshold {threshold}). Every suppressed figure was checked to be "
                f"impossible to work out to within {threshold - 1} contacts."
            ],
        ),
        ("Sources", [SOURCE + "."]),
        ("Coverage: partners and months", coverage_lines(data)),
        ("Revisions since the last edition", revision_lines(data, threshold)),
        (
            "Publication",
            [
                f"Published: {published.strftime('%d %B %Y').lstrip('0')}.",
                f"Produced by: {settings.organisation}.",
                f"Contact: {settings.contact_email}.",
            ],
        ),
    ]


def chart_text(data: ReportData, points: list[str]) -> ChartText:
    period = data.period
    finding = points[1] if len(points) > 1 else (points[0] if points else "")
    monthly = [contacts for _, contacts in data.months]
    trend = "rose" if monthly and monthly[-1] > monthly[0] else "did not rise"
    return ChartText(
        force_title=f"Change in contacts by police force area, {period.label} (%)",
        force_alt=f"Bar chart of the percentage change in contacts for each police force area "
        f"between {period.previous().label} and {period.label}. {finding}",
        trend_title=f"Contacts by month, {period.previous().label} to {period.label}",
        trend_alt=f"Line chart of monthly contacts over twelve months; contacts {trend} from "
        f"the first month to the last. The figures are in the monthly_trend table.",
    )
