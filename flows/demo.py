"""Deterministic demo partner files that reproduce the published North West figures.

Published statement: North West contacts rose from 1,747 (Jul to Dec 2017) to 3,549
(Jan to Jun 2018), +103.1%; Lancashire rose by 146.0%, above the North West average.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

from flows.core.force_areas import ForceArea, load_force_areas
from flows.core.periods import Period
from flows.report.workbook_archive import save_reproducibly

PREVIOUS, CURRENT = Period(2017, 2), Period(2018, 1)
EXPORTED = datetime(2018, 7, 2, 9, 0)
# North West per force: (Jul-Dec 2017, Jan-Jun 2018). Sums: 1,747 and 3,549.
NORTH_WEST = {
    "E23000002": (150, 260),  # Cumbria
    "E23000003": (400, 984),  # Lancashire: +146.0%
    "E23000004": (380, 700),  # Merseyside
    "E23000005": (617, 1205),  # Greater Manchester
    "E23000006": (200, 400),  # Cheshire
}
SMALL_AREA = "W15000004"  # Dyfed-Powys: a small count, shown as [c]
REFERRAL_AREAS = ("E23000003", "E23000005", "E23000010", "E23000014")
NW_SPELLINGS = {
    "E23000002": ("Cumbria", "Cumbria Constabulary"),
    "E23000003": ("Lancashire", "Lancs", "Lancashire Constabulary", "LANCASHIRE"),
    "E23000004": ("Merseyside Police", "Merseyside"),
    "E23000005": ("GMP", "Greater Manchester Police", "Greater Manchester", "Manchester Met"),
    "E23000006": ("Cheshire", "Cheshire Constabulary"),
}
NW_CALLERS = ("Child", "YP", "Parent", "Prof", "Adult")
NW_METHODS = ("Phone", "Chat", "Email", "Phone")
CHAT_CALLERS = ("Under 13", "13 to 17", "Parent/carer", "Worker", "Not recorded")
CHAT_SERVICES = ("Web chat", "SMS", "Web chat")


@dataclass(frozen=True)
class DemoFile:
    partner_id: str
    path: Path


def force_totals() -> dict[str, tuple[int, int]]:
    """Every force area's contacts in the two demo periods."""
    totals = dict(NORTH_WEST)
    others = [a for a in load_force_areas() if a.code not in NORTH_WEST]
    for index, area in enumerate(others, start=1):
        previous = 120 + (index * 53) % 260
        growth = ((index * 17) % 50) / 100
        totals[area.code] = (previous, round(previous * (1 + growth)))
    totals[SMALL_AREA] = (4, 12)
    return totals


def referrals(code: str, total: int) -> int:
    return total // 8 if code in REFERRAL_AREAS else 0


def spread_over_months(total: int, period: Period) -> list[tuple[date, int]]:
    base, extra = divmod(total, 6)
    return [(month, base + (1 if i < extra else 0)) for i, month in enumerate(period.months)]


def contact_moments(total: int, period: Period, seed: int) -> Iterator[datetime]:
    for month, count in spread_over_months(total, period):
        for k in range(count):
            day = 1 + (k * 7 + seed) % 28
            yield datetime(month.year, month.month, day, 8 + (k + seed) % 12, (k * 13) % 60)


def write_nw_helpline(folder: Path, totals: dict[str, tuple[int, int]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Contact log"
    sheet.append(["North West helpline service"])
    sheet.append(["Contact log export, July 2017 to June 2018"])
    sheet.append([])
    sheet.append(["Ref", "Date of contact", "Police force", "Caller", "Method", "Notes"])
    number = 0
    for code, pair in NORTH_WEST.items():
        for period, total in zip((PREVIOUS, CURRENT), pair, strict=True):
            for moment in contact_moments(total - referrals(code, total), period, number % 5):
                number += 1
                spelling = NW_SPELLINGS[code][number % len(NW_SPELLINGS[code])]
                # Every ninth date arrives as typed text, the way exports mix cell types.
                when: object = moment.strftime("%d/%m/%Y %H:%M") if number % 9 == 0 else moment
                sheet.append(
                    [
                        f"NW{number:06d}",
                        when,
                        spelling,
                        NW_CALLERS[number % 5],
                        NW_METHODS[number % 4],
                        "follow-up" if number % 50 == 0 else None,
                    ]
                )
    sheet.append(["Total", number])
    sheet.column_dimensions["F"].hidden = True
    path = folder / "nw-helpline" / "nw-contact-log-2017H2-2018H1.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_reproducibly(workbook, path, EXPORTED)
    return path


def write_national_chat(folder: Path, totals: dict[str, tuple[int, int]]) -> Path:
    path = folder / "national-chat" / "chat-contacts-2017-07-to-2018-06.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    areas: dict[str, ForceArea] = {a.code: a for a in load_force_areas()}
    number = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Chat ID", "Started", "Force area", "Who contacted", "Service"])
        for code, pair in sorted(totals.items()):
            if code in NORTH_WEST:
                continue
            for period, total in zip((PREVIOUS, CURRENT), pair, strict=True):
                for moment in contact_moments(total - referrals(code, total), period, 3):
                    number += 1
                    area = areas[code]
                    spelling = (code, area.name, area.aliases[0] if area.aliases else code)[
                        number % 3
                    ]
                    writer.writerow(
                        [
                            f"C-{number:07d}",
                            moment.strftime("%Y-%m-%d %H:%M"),
                            spelling,
                            CHAT_CALLERS[number % 5],
                            CHAT_SERVICES[number % 3],
                        ]
                    )
    return path


def write_police_referrals(folder: Path, totals: dict[str, tuple[int, int]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Referrals"
    sheet.append(["Month", "Force", "Referrals", "Route"])
    for code in REFERRAL_AREAS:
        for period, total in zip((PREVIOUS, CURRENT), totals[code], strict=True):
            for month, count in spread_over_months(referrals(code, total), period):
                sheet.append([month.strftime("%b-%y"), code, count, "Referral"])
    path = folder / "police-referrals" / "referrals-2017-07-to-2018-06.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_reproducibly(workbook, path, EXPORTED)
    return path


def write_demo_files(folder: Path) -> list[DemoFile]:
    totals = force_totals()
    return [
        DemoFile("nw-helpline", write_nw_helpline(folder, totals)),
        DemoFile("national-chat", write_national_chat(folder, totals)),
        DemoFile("police-referrals", write_police_referrals(folder, totals)),
    ]
