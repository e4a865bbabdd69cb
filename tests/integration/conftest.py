from __future__ import annotations

from pathlib import Path

import pytest

from flows.core.settings import Settings
from tests.support.partner_files import COUNTS_PROFILE, write_profile

pytestmark = pytest.mark.integration


@pytest.fixture
def partner_settings(settings: Settings, tmp_path: Path) -> Settings:
    """Settings whose partners folder holds test profiles: t-records, t-quarantine, t-counts."""
    folder = tmp_path / "partners"
    write_profile(folder, "t-records")
    write_profile(folder, "t-quarantine", on_invalid="quarantine_rows")
    write_profile(folder, "t-counts", COUNTS_PROFILE)
    return settings.model_copy(update={"partners_dir": folder})
