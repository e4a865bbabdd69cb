"""A database URL that cannot work fails at once as configuration; a closed port is transient."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from flows.core.database import open_engine
from flows.core.errors import ConfigurationError, DatabaseUnavailable
from flows.core.settings import Settings
from tests.support.loopback import free_port

pytestmark = pytest.mark.integration


def settings_for(url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=SecretStr(url), state_dir=tmp_path, _env_file=None)


def test_a_missing_database_is_configuration(database_url: str, tmp_path: Path) -> None:
    url = sa.engine.make_url(database_url).set(database="helpline_no_such_database")
    with pytest.raises(ConfigurationError) as raised:
        open_engine(settings_for(url.render_as_string(hide_password=False), tmp_path))
    assert 'database "helpline_no_such_database" does not exist' in raised.value.message
    assert raised.value.message.endswith("retrying will not help.")


def test_an_unknown_login_is_configuration(database_url: str, tmp_path: Path) -> None:
    url = sa.engine.make_url(database_url).set(username="helpline_no_such_role", password="pw")
    with pytest.raises(ConfigurationError) as raised:
        open_engine(settings_for(url.render_as_string(hide_password=False), tmp_path))
    assert "pw@" not in raised.value.message and "***" in raised.value.message


def test_a_closed_port_is_transient(database_url: str, tmp_path: Path) -> None:
    url = sa.engine.make_url(database_url).set(host="127.0.0.1", port=free_port())
    with pytest.raises(DatabaseUnavailable) as raised:
        open_engine(settings_for(url.render_as_string(hide_password=False), tmp_path))
    assert "Connection refused" in raised.value.message
