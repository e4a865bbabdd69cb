"""Names as a sentence uses them: 'the North West', 'City of London', 'England and Wales'."""

from __future__ import annotations

from flows.report.figures import ReportData

# ONS region names that read as a compass area take "the": "in the North West", but
# "in London", "in Wales", "in Yorkshire and The Humber".
_COMPASS = ("North ", "South ", "East ", "West ")


def display_name(official: str) -> str:
    """An ONS name written inverted for sorting ('London, City of') the right way round."""
    rest, comma, lead = official.partition(", ")
    return f"{lead} {rest}" if comma else official


def region_phrase(region: str) -> str:
    return f"the {region}" if region.startswith(_COMPASS) else region


def capitalised(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def scope_phrase(data: ReportData) -> str:
    """Where an edition's figures are from, as the object of 'in': 'the North West'."""
    if data.scope.kind == "national":
        return "England and Wales"
    if data.scope.kind == "region":
        return region_phrase(data.scope.value)
    return f"the {display_name(data.scope_name)} police force area"


def area_phrase(data: ReportData) -> str:
    """The scope as the subject of a sentence: 'England and Wales', 'the North West', 'Gwent'."""
    if data.scope.kind == "force":
        return display_name(data.scope_name)
    return scope_phrase(data)
