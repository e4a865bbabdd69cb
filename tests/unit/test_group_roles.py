"""Group roles per database: the prefix setting and the migrations renamed for it (no server)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from flows.core.migrations import with_group_roles
from flows.core.settings import Settings


def test_a_database_with_roles_of_its_own_gets_the_migrations_grants_renamed() -> None:
    sql = (
        "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'helpline_app') THEN\n"
        "GRANT SELECT ON helpline.submissions TO helpline_app;\n"
        "ALTER TABLE helpline.submissions OWNER TO helpline_owner; -- helpline_owners stays\n"
    )
    assert with_group_roles(sql, "helpline") == sql
    assert with_group_roles(sql, "staging") == (
        "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'staging_app') THEN\n"
        "GRANT SELECT ON helpline.submissions TO staging_app;\n"
        "ALTER TABLE helpline.submissions OWNER TO staging_owner; -- helpline_owners stays\n"
    )


def test_the_role_prefix_setting_accepts_only_plain_names() -> None:
    assert Settings(_env_file=None).role_prefix == "helpline"
    for bad in ("Helpline", "a-b", "x; DROP ROLE postgres", "1abc", ""):
        with pytest.raises(ValidationError):
            Settings(role_prefix=bad, _env_file=None)
