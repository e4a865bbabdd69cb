"""Who an edition is for: the whole of England and Wales, one region, or one force area."""

from __future__ import annotations

from dataclasses import dataclass

from flows.core.errors import HelplineError
from flows.core.force_areas import ForceAreaResolver, load_force_areas, region_names


@dataclass(frozen=True)
class Scope:
    kind: str  # national, region or force
    value: str = ""

    @classmethod
    def parse(cls, text: str) -> Scope:
        """national, region:NAME, or force:NAME where NAME is an official name, an ONS code or
        an alias from the reference data (never a partner's own spelling); a force is kept as
        its code, so one area is one scope whatever it was called."""
        kind, _, value = text.strip().partition(":")
        if kind == "national" and not value:
            return cls("national")
        if kind == "region" and value in region_names():
            return cls("region", value)
        if kind == "force":
            code = ForceAreaResolver(load_force_areas()).resolve(value)
            if code is None:
                raise HelplineError(
                    f"{text!r} is not a police force area of England and Wales; give its "
                    "official name, ONS code or a known alias, e.g. force:Lancashire or "
                    "force:E23000003."
                )
            return cls("force", code)
        raise HelplineError(
            f"{text!r} is not a scope; use national, region:NAME (one of "
            f"{', '.join(region_names())}) or force:NAME (a police force area's name or ONS "
            "code, such as force:Lancashire or force:E23000003)."
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
