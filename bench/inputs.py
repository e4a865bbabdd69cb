"""Deterministic benchmark inputs: N contact records as xlsx and csv, and a partner profile."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

from flows.core.force_areas import load_force_areas

HEADINGS = ["Ref", "Date of contact", "Police force", "Caller", "Method"]
CALLERS = ("Child", "YP", "Parent", "Prof", "Adult")
METHODS = ("Phone", "Chat", "Email")
START = datetime(2017, 7, 1, 8, 0)
PROFILE = """id = "bench"
name = "Benchmark partner"
layout = "records"
date_order = "DMY"
max_rows = 20000000
[columns]
contact_ref = "Ref"
contact_date = "Date of contact"
force_area = "Police force"
caller_type = "Caller"
channel = "Method"
[values.caller_type]
"Child" = "child"
"YP" = "young person"
"Parent" = "parent or carer"
"Prof" = "professional"
"Adult" = "other adult"
[values.channel]
"Phone" = "phone"
"Chat" = "online chat"
"Email" = "email"
"""


def rows(count: int) -> list[list[object]]:
    """Contacts spread over twelve months (Jul 2017 to Jun 2018) and the 43 force areas."""
    areas = load_force_areas()
    spellings = [s for a in areas for s in (a.name, a.code)]
    minutes = 365 * 24 * 60 // max(count, 1) or 1
    return [
        [
            f"B{i:08d}",
            START + timedelta(minutes=i * minutes),
            spellings[(i * 7) % len(spellings)],
            CALLERS[i % 5],
            METHODS[i % 3],
        ]
        for i in range(count)
    ]


def write_inputs(folder: Path, count: int) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    xlsx, csv_path = folder / f"contacts-{count}.xlsx", folder / f"contacts-{count}.csv"
    if xlsx.exists() and csv_path.exists():
        return xlsx, csv_path
    data = rows(count)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Contacts")
    sheet.append(HEADINGS)
    for row in data:
        sheet.append(row)
    workbook.save(xlsx)
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADINGS)
        for row in data:
            happened = row[1]
            assert isinstance(happened, datetime)
            writer.writerow([row[0], happened.strftime("%d/%m/%Y %H:%M"), *row[2:]])
    return xlsx, csv_path


def write_profile(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return path
