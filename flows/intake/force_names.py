"""Force area names that only look right, explained to the partner with what they really hold.

A spelling resolves only after case and white-space folding (flows.core.force_areas); one that
resolves only when read loosely (an invisible character, punctuation inside a word, a
look-alike letter) is refused like any unknown name, and the refusal quotes it with every
character outside plain ASCII written as an escape, so the partner can see what their cell
holds. A partner who really writes it so can list the spelling under [values.force_area]: the
escapes are TOML's own."""

from __future__ import annotations

from dataclasses import replace

from flows.core.force_areas import ForceAreaResolver
from flows.intake.validation import RuleFailure, ValidationReport

NOT_A_FORCE_AREA = "is not a police force area of England and Wales"


def visible(text: str) -> str:
    """The text with each character outside printable ASCII as a TOML-style escape: \\u2060."""
    return "".join(c if " " <= c <= "~" else _escape(c) for c in text)


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def explain_force_names(report: ValidationReport, resolver: ForceAreaResolver) -> ValidationReport:
    """The report with its unknown force area rule explained where a name only looks right."""
    failures = tuple(
        _explained(failure, resolver) if _is_unknown_force_area(failure) else failure
        for failure in report.failures
    )
    return replace(report, failures=failures)


def _is_unknown_force_area(failure: RuleFailure) -> bool:
    return failure.role == "force_area" and NOT_A_FORCE_AREA in failure.rule and not failure.advice


def _explained(failure: RuleFailure, resolver: ForceAreaResolver) -> RuleFailure:
    misses = {value: resolver.near_miss(value) for _, value in failure.examples}
    first = next(((v, m) for v, m in misses.items() if m is not None), None)
    if first is None:
        return failure
    sentences = []
    for row, value in failure.examples:
        miss = misses[value]
        if miss is None:
            sentences.append((row, f'row {row}: "{visible(value)}" {NOT_A_FORCE_AREA}'))
        else:
            said = (
                f'row {row}: "{visible(value)}" is not exactly "{miss.name}" (it holds {miss.why})'
            )
            sentences.append((row, said))
    value, miss = first
    advice = (
        "ask the partner to correct the spelling; if they really write it so, add it under "
        f'[values.force_area] in the profile, e.g. "{visible(value)}" = "{miss.name}"'
    )
    return replace(failure, examples=tuple(sentences), advice=advice)
