"""Scopes as a data manager types them: a force by its official name, ONS code or known alias."""

from __future__ import annotations

import pytest

from flows.core.errors import HelplineError
from flows.core.scope import Scope


@pytest.mark.parametrize(
    "text",
    [
        "force:E23000005",
        "force:Greater Manchester",
        "force:greater manchester",
        "force:GMP",
        "force:Greater Manchester Police",
        " force:Manchester ",
    ],
)
def test_a_force_by_any_reference_spelling_is_one_scope_kept_as_its_code(text: str) -> None:
    scope = Scope.parse(text)
    assert scope == Scope("force", "E23000005")
    assert (str(scope), scope.label, scope.slug) == (
        "force:E23000005",
        "Greater Manchester",
        "force-e23000005",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # "Manchester Met" is how nw-helpline's profile spells Greater Manchester; only that
        # profile may say so, not a command line.
        (
            "force:Manchester Met",
            "'force:Manchester Met' is not a police force area of England and Wales; give its "
            "official name, ONS code or a known alias, e.g. force:Lancashire or force:E23000003.",
        ),
        (
            "county:Lancashire",
            "'county:Lancashire' is not a scope; use national, region:NAME (one of North East, "
            "North West, Yorkshire and The Humber, East Midlands, West Midlands, East of England, "
            "London, South East, South West, Wales) or force:NAME (a police force area's name or "
            "ONS code, such as force:Lancashire or force:E23000003).",
        ),
    ],
)
def test_what_is_not_a_scope_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(HelplineError) as refused:
        Scope.parse(text)
    assert refused.value.message == message
