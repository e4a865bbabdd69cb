"""Who an edition is for: the whole of England and Wales, one region, or one force area."""

from __future__ import annotations

from dataclasses import dataclass

from flows.core.errors import HelplineError
from flows.core.force_areas import load_force_areas, region_names


@dataclass(frozen=True)
class Scope:
    kind: str  # national, region or force
    value: str = ""

    @classmethod
    def parse(cls, text: str) -> Scope:
        kind, _, value = text.strip().partition(":")
        if kind == "national" and not value:
            return cls("national")
        if kind == "region" and value in region_names():
            return cls("region", value)
        if kind == "force" and value in {area.code for area in load_force_areas()}:
            return cls("force", value)
        raise HelplineError(
            f"{text!r} is not a scope; use national, region:NAME (one of "
            f"{', '.join(region_names())}) or force:CODE (an ONS code such as E23000003)."
        )

    def __str__(self) -> str:
        return self.kind if self.kind == "national" else f"{self.kind}:{self.value}"

    @property
    def slug(self) -> str:
        return (
            "national"
            if self.kind == "national"
            else f"{self.kind}-{self.value}".replace(" ", "-").lower()
        )

    @property
    def label(self) -> str:
        """The scope in words: 'England and Wales', 'North West' or 'Lancashire'."""
        if self.kind == "national":
            return "England and Wales"
        if self.kind == "force":
            names = {area.code: area.name for area in load_force_areas()}
            return names.get(self.value, self.value)
        return self.value


NATIONAL = Scope("national")
