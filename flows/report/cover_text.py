"""An edition's Cover: what it counts, how it was protected, where the figures came from.

Every sentence is generated from the published figures (never from hidden ones)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flows.core.settings import Settings
from flows.report.disclosure.period_pattern import SuppressionPattern
from flows.report.figures import ReportData
from flows.report.wording import display_name, scope_phrase

Section = tuple[str, list[str]]

SOURCE = "Contact records and monthly counts sent by the helpline network's partner services"


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


def late_band(count: int) -> str:
    """A count of late contacts at a level that pins no cell: under 10, or to the nearest 10."""
    return "fewer than 10" if count < 10 else f"about {round(count, -1):,}"


def revision_lines(data: ReportData) -> list[str]:
    """The revisions policy, which version of each period is shown, and late data waiting.

    A revised version names the force areas whose figures changed (the joint audit of every
    version assumes readers know exactly that) and gives no figures itself; late contacts are
    given for England and Wales as a band, never by area.
    """
    labels = {str(data.period.previous()): data.period.previous(), str(data.period): data.period}
    lines = [
        "Revisions policy: each period's figures are shown as first published, in every "
        "edition that shows the period, until a revised edition is issued on purpose. Data "
        "that arrive later wait until then; every version published stays protected together."
    ]
    for period, number in zip(labels.values(), data.versions, strict=True):
        if number > 1:
            lines.append(f"{period.long_label}: revised figures (version {number}).")
    for revision in data.revisions:
        label = labels[revision.period].long_label
        lines.append(
            f"{label}, {display_name(revision.force_name)}: figures revised since the version "
            "before (the tables show the revised figures)."
        )
    for period_text, count in data.late:
        lines.append(
            f"{labels[period_text].long_label}: {late_band(count)} contacts loaded since these "
            "figures were published are not included yet (late or corrected partner data); "
            "they will be in the next revised edition."
        )
    if len(lines) == 1:
        lines.append("No figures have been revised and no late data are waiting.")
    return lines


def workbook_title(data: ReportData) -> str:
    title = f"Helpline contacts by police force area, {data.period.long_label}"
    if data.scope.kind == "national":
        return title
    return f"{title} ({display_name(data.scope_name)})"


def confidentiality_lines(data: ReportData, release: ReleaseShape, threshold: int) -> list[str]:
    """What was suppressed and exactly what was checked before publication."""
    previous, current = data.period.previous().label, data.period.label
    periods = f"{previous} and {current}" if data.previous_has_data else current
    return [
        f"Counts from 1 to {threshold - 1} are shown as [c] (threshold {threshold}), with other "
        "figures that would let them be worked out. Zeros are shown as 0.",
        f"Every edition of this release ({release.editions} workbooks: England and Wales, each of "
        f"the {release.regions} regions and each of the {release.forces} police force areas) "
        "shows [c] for the same figures. Before publication, all the figures those editions "
        f"publish for {periods} were checked together by linear programming, using every total "
        "that links them (force areas to regions to England and Wales; caller types, channels "
        "and months to each area's total) and knowing that a [c] stands for at least 1: none "
        f"can be worked out to within fewer than {threshold - 1} contacts. Changes are shown "
        "only where both counts are shown.",
        "A period's figures, [c] included, are shown as first published when the next release "
        "shows that period again as its previous six months; a revised version is checked "
        "together with every earlier version, knowing which force areas each Cover says were "
        "revised, and England and Wales and every region are always shown.",
    ]


@dataclass(frozen=True)
class ReleaseShape:
    """How many editions the release has, for the Cover's account of the audit."""

    editions: int
    regions: int
    forces: int


def cover_sections(
    data: ReportData,
    points: list[str],
    settings: Settings,
    published: date,
    pattern: SuppressionPattern,
    release: ReleaseShape,
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
                f"Coverage of this workbook: {scope_phrase(data)}.",
            ],
        ),
        ("Key points", points),
        ("Confidentiality", confidentiality_lines(data, release, threshold)),
        ("Sources", [SOURCE + "."]),
        ("Coverage: partners and months", coverage_lines(data)),
        ("Revisions since the last edition", revision_lines(data)),
        (
            "Publication",
            [
                f"Published: {published.strftime('%d %B %Y').lstrip('0')}.",
                f"Produced by: {settings.organisation}.",
                f"Contact: {settings.contact_email}.",
            ],
        ),
    ]
