"""Fuzzing: random files, CSV text, cell values and profiles only ever give a clean outcome.

Through `ingest_file` the outcome must be accepted, duplicate or rejected with a one-line reason,
and nothing may escape. Through `helpline ingest` in-process the exit code is 0 or 1 with one
line and never a traceback (nor the CLI's last-resort "unexpected" error, which means a bug).
HELPLINE_FUZZ_EXAMPLES sets the examples per test (default 25).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import struct
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy.engine import Engine

from flows.core.errors import ConfigurationError
from flows.core.settings import Settings
from flows.intake.ingest import ingest_file
from flows.intake.profiles import find_profile
from tests.reliability.conftest import (
    FUZZ_EXAMPLES,
    CaseLog,
    assert_clean_cli,
    assert_clean_outcome,
    cli_environment,
    fuzz_timeout,
    run_main,
)
from tests.support.partner_files import HEADINGS, records, write_xlsx

pytestmark = [pytest.mark.integration]

FUZZ = hypothesis_settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the checkout
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
SUFFIXES = (".xlsx", ".xlsm", ".csv", ".xls", ".ods")
_serial = itertools.count()

# Characters XML 1.0 cannot hold at all (openpyxl refuses them): a real workbook never has them.
_XML_ILLEGAL = "".join(chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32)))
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters=_XML_ILLEGAL),
    max_size=40,
)
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60)
PLAUSIBLE = st.sampled_from(
    [
        "Lancashire",
        "GMP",
        "E23000003",
        "lancs",
        "Child",
        "YP",
        "03/01/2018",
        "2018-02-14",
        "14/02/2018 17:05",
        "Jul-17",
        "1,234",
        " 12 ",
        "Total",
        "R1",
        "=1+1",
        '=HYPERLINK("http://x","y")',
        "#N/A",
        "nan",
        "inf",
        "-inf",
        "1e308",
        str(10**30),
        "0",
        "-1",
        "60",
        "someone@example.org",
        "07700 900123",
    ]
)
CELL = st.one_of(
    st.none(),
    TEXT,
    PLAUSIBLE,
    st.builds(lambda t: "=" + t, TEXT),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 59, 60, 61, 43103, 43145.7, -1, 2958465, 2958466, 1e308, -1e308]),
    st.booleans(),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(2017, 7, 1), max_value=datetime(2018, 6, 30)),
    st.times(),
    st.timedeltas(min_value=timedelta(days=-3000), max_value=timedelta(days=3000)),
)


def fresh_folder(root: Path) -> Path:
    folder = root / f"case-{next(_serial):05d}"
    folder.mkdir(parents=True)
    return folder


def _valid_xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADINGS)
    for row in records("S", date(2018, 1, 1), "Lancashire", 3):
        sheet.append(row)
    workbook.save(buffer)
    return buffer.getvalue()


VALID_XLSX = _valid_xlsx_bytes()
VALID_CSV = (
    b"Ref,Date of contact,Police force,Caller\r\nR1,03/01/2018,Lancashire,Child\r\n"
    b"R2,14/02/2018,GMP,YP\r\n"
)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """A valid file with bytes flipped, a piece cut out, or random bytes spliced in."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "truncate", "splice", "cut"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del data[at:]
        elif kind == "splice":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            del data[at : at + draw(st.integers(1, 512))]
    return bytes(data)


FILE_BYTES = st.one_of(
    st.binary(max_size=2048),
    st.builds(
        lambda magic, tail: magic + tail,
        st.sampled_from(
            [b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF", b"\xef\xbb\xbf"]
        ),
        st.binary(max_size=2048),
    ),
    mutated(VALID_XLSX),
    mutated(VALID_CSV),
    st.just(VALID_XLSX),
    st.just(VALID_CSV),
)
NAMED_FILE = st.tuples(st.sampled_from(SUFFIXES), FILE_BYTES)


def _corrupt_deflate(original: bytes, member: str) -> bytes:
    """A valid zip whose member's deflate stream is garbage (sizes and CRC left as they were)."""
    data = bytearray(original)
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        info = archive.getinfo(member)
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    data[start : start + 8] = b"\xff" * 8  # BTYPE 11: an invalid deflate block type
    return bytes(data)


# Bugs the fuzzers found, replayed first on every run (each was fixed; see the report).
FOUND = {
    "control character in a CSV heading": (".csv", b"\x01"),
    "NUL in a CSV cell after the first 4 KB": (
        ".csv",
        b"Ref,Date of contact,Police force,Caller\n"
        + b"".join(b"R%04d,03/01/2018,Lancashire,Child\n" % i for i in range(200))
        + b"R99\x0099,03/01/2018,Lancashire,Child\n",
    ),
    "corrupt deflate stream in a workbook part": (
        ".xlsx",
        _corrupt_deflate(VALID_XLSX, "xl/workbook.xml"),
    ),
}


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    """CSV-ish text: the real headings somewhere, random cells, random delimiters and quoting."""
    if draw(st.booleans()):
        return draw(ANY_TEXT)
    delimiter = draw(st.sampled_from([",", ";", "\t", "|", " "]))
    cell_text = st.one_of(ANY_TEXT, PLAUSIBLE, CELL.map(lambda v: "" if v is None else str(v)))
    lines: list[list[str]] = [
        draw(st.lists(cell_text, max_size=4)) for _ in range(draw(st.integers(0, 3)))
    ]
    headings = list(HEADINGS)
    if draw(st.booleans()):
        headings = draw(st.permutations(headings))
    lines.append(headings + draw(st.lists(cell_text, max_size=2)))
    lines += draw(st.lists(st.lists(cell_text, max_size=6), max_size=12))
    buffer = io.StringIO()
    quoting: Literal[0, 1, 2, 3] = draw(
        st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])
    )
    csv.writer(buffer, delimiter=delimiter, quoting=quoting).writerows(lines)
    text = buffer.getvalue()
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = (
            text[:at] + draw(st.sampled_from(['"', "\n", "\r", '""', "\x00", "\ufeff"])) + text[at:]
        )
    return text


def write_cells(
    path: Path, rows: list[list[object]], headings: list[str], titles: list[str]
) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for title in titles:
        sheet.append([title])
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def stored_rows(engine: Engine, submission_id: int) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT coalesce(sum(contacts), 0) FROM helpline.contact_counts "
                    "WHERE submission_id = :id"
                ),
                {"id": submission_id},
            ).scalar_one()
        )


def check_ingest(engine: Engine, settings: Settings, partner: str, path: Path) -> None:
    profile = find_profile(settings.partners_dir, partner)
    outcome = ingest_file(engine, settings, profile, path)
    assert_clean_outcome(outcome)
    if outcome.status == "accepted" and profile.layout == "records":
        assert outcome.submission_id is not None
        assert stored_rows(engine, outcome.submission_id) == outcome.rows_loaded


@pytest.mark.timeout(fuzz_timeout(2.0))
@FUZZ
@given(named=NAMED_FILE)
@example(named=FOUND["control character in a CSV heading"])
@example(named=FOUND["NUL in a CSV cell after the first 4 KB"])
@example(named=FOUND["corrupt deflate stream in a workbook part"])
def test_random_bytes_through_ingest_file(
    named: tuple[str, bytes],
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    cases: CaseLog,
) -> None:
    suffix, data = named
    with cases.case():
        path = fresh_folder(tmp_path) / f"random{suffix}"
        path.write_bytes(data)
        check_ingest(engine, partner_settings, "t-records", path)


@pytest.mark.timeout(fuzz_timeout(2.0))
@FUZZ
@given(named=NAMED_FILE, partner=st.sampled_from(["t-records", "t-counts", "t-quarantine"]))
@example(named=FOUND["corrupt deflate stream in a workbook part"], partner="t-records")
@example(named=FOUND["control character in a CSV heading"], partner="t-records")
def test_random_bytes_through_the_cli(
    named: tuple[str, bytes],
    partner: str,
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    cli_environment(partner_settings, monkeypatch)
    suffix, data = named
    with cases.case():
        path = fresh_folder(tmp_path) / f"random{suffix}"
        path.write_bytes(data)
        line = assert_clean_cli(run_main(["ingest", "--partner", partner, str(path)], capsys))
        assert line.startswith(f"{path.name}: "), line


@pytest.mark.timeout(fuzz_timeout(2.0))
@FUZZ
@given(text=csv_texts(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_random_csv_text(
    text: str,
    encoding: str,
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    cases: CaseLog,
) -> None:
    with cases.case():
        path = fresh_folder(tmp_path) / "contacts.csv"
        path.write_bytes(text.encode(encoding, errors="replace"))
        check_ingest(engine, partner_settings, "t-records", path)


@pytest.mark.timeout(fuzz_timeout(2.0))
@FUZZ
@given(
    rows=st.lists(st.lists(CELL, max_size=6), max_size=15),
    partner=st.sampled_from(["t-records", "t-counts", "t-quarantine"]),
    titles=st.lists(TEXT, max_size=2),
    shuffle=st.booleans(),
)
def test_random_xlsx_cells(
    rows: list[list[object]],
    partner: str,
    titles: list[str],
    shuffle: bool,
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    cases: CaseLog,
) -> None:
    headings = ["Month", "Force", "Contacts"] if partner == "t-counts" else list(HEADINGS)
    if shuffle:
        headings.reverse()
    with cases.case():
        path = write_cells(fresh_folder(tmp_path) / "cells.xlsx", rows, headings, titles)
        check_ingest(engine, partner_settings, partner, path)


# ---- partner profiles -----------------------------------------------------------------------

ENCODINGS = st.one_of(
    st.sampled_from(
        [
            "utf-8",
            "utf-8-sig",
            "cp1252",
            "latin-1",
            "utf-16",
            "ascii",
            "idna",
            "punycode",
            "rot13",
            "base64",
            "hex",
            "zlib_codec",
            "unicode_escape",
            "raw_unicode_escape",
        ]
    ),
    ANY_TEXT,
)
HEADING = st.one_of(st.sampled_from([*HEADINGS, "Month", "Force", "Contacts", ""]), ANY_TEXT)


def toml_value(value: Any) -> str:
    """A TOML literal: JSON strings are TOML basic strings once DEL is escaped too."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, int) else json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


def toml_document(profile: dict[str, Any]) -> str:
    lines = []
    tables = {k: v for k, v in profile.items() if isinstance(v, dict)}
    for key, value in profile.items():
        if key not in tables:
            lines.append(f"{toml_value(key)} = {toml_value(value)}")
    for name, table in tables.items():
        nested = {k: v for k, v in table.items() if isinstance(v, dict)}
        lines.append(f"[{toml_value(name)}]")
        lines += [f"{toml_value(k)} = {toml_value(v)}" for k, v in table.items() if k not in nested]
        for sub, values in nested.items():
            lines.append(f"[{toml_value(name)}.{toml_value(sub)}]")
            lines += [f"{toml_value(k)} = {toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


@st.composite
def profiles(draw: st.DrawFn, partner: str) -> dict[str, Any]:
    layout = draw(st.sampled_from(["records", "counts", "records", "counts", "table", ""]))
    if layout == "counts":
        names = ["month", "force_area", "contacts"]
    else:
        names = ["contact_ref", "contact_date", "force_area"]
    names += draw(
        st.lists(st.sampled_from(["caller_type", "channel", "contacts", "extra"]), max_size=2)
    )
    profile: dict[str, Any] = {
        "id": draw(st.sampled_from([partner, partner, "Other", "../x", ""])),
        "name": draw(ANY_TEXT),
        "layout": layout,
    }
    optional: dict[str, Any] = {
        "sheet": draw(st.one_of(st.just("Sheet1"), ANY_TEXT)),
        "header_row": draw(st.one_of(st.just("auto"), st.integers(-3, 2**63 - 1), ANY_TEXT)),
        "encoding": draw(ENCODINGS),
        "date_order": draw(st.sampled_from(["DMY", "MDY", "YMD", "dmy", "X"])),
        "on_invalid_rows": draw(st.sampled_from(["reject_file", "quarantine_rows", "skip"])),
        "drop_columns": draw(st.lists(HEADING, max_size=3)),
        "max_rows": draw(st.integers(-1, 2**63 - 1)),
    }
    for key, value in optional.items():
        if draw(st.booleans()):
            profile[key] = value
    profile["columns"] = {name: draw(HEADING) for name in names}
    if draw(st.booleans()):
        maps = {}
        for role in draw(
            st.lists(st.sampled_from(["force_area", "caller_type", "channel", "x"]), max_size=3)
        ):
            maps[role] = draw(st.dictionaries(ANY_TEXT, st.one_of(ANY_TEXT, PLAUSIBLE), max_size=3))
        profile["values"] = maps
    return profile


@pytest.mark.timeout(fuzz_timeout(2.0))
@FUZZ
@given(
    document=st.one_of(
        ANY_TEXT,
        profiles("t-fuzz").map(toml_document),
        profiles("t-fuzz").map(toml_document).map(lambda t: t[: len(t) // 2]),
    ),
    suffix=st.sampled_from([".csv", ".xlsx"]),
)
@example(  # a codec that is not a text encoding
    document=toml_document(
        {"id": "t-fuzz", "name": "x", "layout": "records", "encoding": "rot13",
         "columns": {"contact_ref": "Ref", "contact_date": "Date of contact",
                     "force_area": "Police force"}}
    ),
    suffix=".csv",
)  # fmt: skip
@example(  # a control character in a heading the file lacks
    document=toml_document(
        {"id": "t-fuzz", "name": "x", "layout": "records",
         "columns": {"contact_ref": "Ref", "contact_date": "\x01", "force_area": "Police force"}}
    ),
    suffix=".csv",
)  # fmt: skip
def test_random_profile_toml_through_the_cli(
    document: str,
    suffix: str,
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    cli_environment(partner_settings, monkeypatch)
    with cases.case():
        (partner_settings.partners_dir / "t-fuzz.toml").write_text(document, encoding="utf-8")
        folder = fresh_folder(tmp_path)
        if suffix == ".csv":
            path = folder / "contacts.csv"
            path.write_bytes(VALID_CSV)
        else:
            path = write_xlsx(folder / "contacts.xlsx", records("F", date(2018, 1, 1), "Lancs", 3))
        assert_clean_cli(run_main(["ingest", "--partner", "t-fuzz", str(path)], capsys))


def file_for_profile(
    folder: Path, columns: dict[str, str], suffix: str, rows: list[list[object]]
) -> Path:
    headings = list(dict.fromkeys(columns.values()))
    if any(ch in _XML_ILLEGAL for heading in headings for ch in heading):
        suffix = ".csv"  # a workbook cannot hold these headings at all; a CSV file can
    if suffix == ".csv":
        path = folder / "contacts.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(headings)
            writer.writerows([["" if v is None else str(v) for v in row] for row in rows])
        return path
    return write_cells(folder / "contacts.xlsx", rows, headings, [])


@pytest.mark.timeout(fuzz_timeout(2.0))
@FUZZ
@given(
    profile=profiles("t-fuzz"),
    suffix=st.sampled_from([".csv", ".xlsx"]),
    rows=st.lists(
        st.lists(st.one_of(PLAUSIBLE, CELL), min_size=3, max_size=5), min_size=1, max_size=8
    ),
)
@example(  # three roles on one heading
    profile={
        "id": "t-fuzz",
        "name": "",
        "layout": "records",
        "columns": {"contact_ref": "Ref", "contact_date": "Ref", "force_area": "Ref"},
    },
    suffix=".csv",
    rows=[["Lancashire", "Lancashire", "Lancashire"]],
)
@example(  # a control character in a heading the file has: it names a broken rule
    profile={
        "id": "t-fuzz",
        "name": "",
        "layout": "records",
        "columns": {"contact_ref": "Ref", "contact_date": "Da\x1bte", "force_area": "Force"},
    },
    suffix=".csv",
    rows=[[None, "1,234", "lancs"]],
)
def test_random_profiles_through_ingest_file(
    profile: dict[str, Any],
    suffix: str,
    rows: list[list[object]],
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    cases: CaseLog,
) -> None:
    """Whatever a profile says, a profile that loads gives a clean outcome for a matching file;
    a header_row below the file's last row is the profile's mistake, said in one line."""
    with cases.case():
        (partner_settings.partners_dir / "t-fuzz.toml").write_text(
            toml_document(profile), encoding="utf-8"
        )
        try:
            loaded = find_profile(partner_settings.partners_dir, "t-fuzz")
        except ConfigurationError as problem:
            assert "\n" not in problem.message
            return
        path = file_for_profile(fresh_folder(tmp_path), loaded.columns, suffix, rows)
        try:
            outcome = ingest_file(engine, partner_settings, loaded, path)
        except ConfigurationError as mistake:
            assert isinstance(loaded.header_row, int), mistake.message
            assert mistake.message.startswith(
                f"Partner profile t-fuzz.toml says the headings are on row {loaded.header_row} "
                f"(header_row), but {path.name}:"
            ), mistake.message
            assert "\n" not in mistake.message
            return
        assert_clean_outcome(outcome)
