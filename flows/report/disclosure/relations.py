"""Total relations: a published cell that is the sum of other published cells."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Relation:
    """A published total and the published cells that add up to it."""

    total: str
    members: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError(f"relation for {self.total} has no members")
        if self.total in self.members or len(set(self.members)) != len(self.members):
            raise ValueError(f"relation for {self.total} repeats a cell")

    @property
    def cells(self) -> tuple[str, ...]:
        return (self.total, *self.members)


def check_relations(cells: Mapping[str, int], relations: Sequence[Relation]) -> None:
    """Every relation names known cells and its total really is the sum of its members.

    An inconsistent relation would make the audit's equations infeasible, and the suppression
    would then be protecting figures that do not add up; both are bugs upstream, so say so.
    """
    for relation in relations:
        missing = [key for key in (relation.total, *relation.members) if key not in cells]
        if missing:
            raise ValueError(f"relation for {relation.total} names unknown cells: {missing}")
        added = sum(cells[key] for key in relation.members)
        if added != cells[relation.total]:
            raise ValueError(
                f"{relation.total} is {cells[relation.total]} but its members add up to {added}"
            )
