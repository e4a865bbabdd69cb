"""Migrations: applied in order once, their reference data pinned, old databases upgraded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.core import migrations
from flows.core.database import create_engine_for
from flows.core.errors import HelplineError
from flows.core.migrations import discover_migrations, ensure_current, upgrade
from flows.core.resources import reference_dir

pytestmark = pytest.mark.integration


def reference_rows(url: str) -> list[tuple[int, str]]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return [
                (row.version, row.file_name)
                for row in connection.execute(
                    sa.text("SELECT version, file_name FROM helpline.reference_data ORDER BY 1")
                )
            ]
    finally:
        engine.dispose()


def test_a_fresh_database_records_the_reference_data_it_loaded(scratch_database: str) -> None:
    engine = create_engine_for(scratch_database)
    try:
        applied = upgrade(engine)
        assert [m.version for m in applied] == [m.version for m in discover_migrations()]
        assert upgrade(engine) == []  # idempotent
        with engine.connect() as connection:
            gone = connection.execute(
                sa.text("SELECT to_regclass('helpline.force_area_aliases')")
            ).scalar()
        assert gone is None
    finally:
        engine.dispose()
    assert reference_rows(scratch_database) == [(2, "force_areas.csv")]


def test_an_edited_reference_file_is_refused(
    scratch_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine_for(scratch_database)
    try:
        upgrade(engine)
        edited = tmp_path / "reference"
        shutil.copytree(reference_dir(), edited)
        csv = edited / "force_areas.csv"
        csv.write_text(csv.read_text(encoding="utf-8").replace("Lancashire", "Lancs"))
        monkeypatch.setattr(migrations, "reference_dir", lambda: edited)
        expected = (
            "Reference data force_areas.csv changed after migration "
            "0002_force_area_reference.sql loaded it; restore the file and put the change in a "
            "new numbered migration with its own data file."
        )
        for check in (upgrade, ensure_current):
            with pytest.raises(HelplineError) as refused:
                check(engine)
            assert refused.value.message == expected
    finally:
        engine.dispose()


def test_a_database_from_before_the_checksums_upgrades_and_keeps_its_checksums(
    scratch_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = discover_migrations()
    engine = create_engine_for(scratch_database)
    try:
        monkeypatch.setattr(migrations, "discover_migrations", lambda: every[:5])
        upgrade(engine)
        with engine.connect() as connection:
            before = connection.execute(
                sa.text("SELECT version, checksum FROM helpline.schema_migrations ORDER BY 1")
            ).all()
        monkeypatch.undo()
        assert [m.version for m in upgrade(engine)] == [m.version for m in every[5:]]
        with engine.connect() as connection:
            after = connection.execute(
                sa.text("SELECT version, checksum FROM helpline.schema_migrations ORDER BY 1")
            ).all()
    finally:
        engine.dispose()
    assert after[:5] == before
    assert reference_rows(scratch_database) == [(2, "force_areas.csv")]
