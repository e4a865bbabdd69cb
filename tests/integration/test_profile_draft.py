"""`helpline profile draft`: a usable starting profile from a partner's sample file."""

from __future__ import annotations

from pathlib import Path

from flows.demo import force_totals, write_nw_helpline
from flows.intake.profile_draft import draft_profile
from flows.intake.profiles import load_profile
from tests.partner_files import write_xlsx


def test_draft_from_a_messy_records_export(tmp_path: Path) -> None:
    sample = write_nw_helpline(tmp_path, force_totals())
    text = draft_profile(sample, "nw-new", 512 * 2**20)
    assert 'sheet = "Contact log"' in text
    assert "header_row = 4" in text
    assert (
        'contact_ref = "Ref"\ncontact_date = "Date of contact"\nforce_area = "Police force"' in text
    )
    assert '"Manchester Met" = "?"  # not a known force area: give the official name' in text
    assert "# Columns that will be dropped: Notes" in text
    usable = text.replace('"Manchester Met" = "?"', '"Manchester Met" = "Greater Manchester"')
    path = tmp_path / "nw-new.toml"
    path.write_text(usable, encoding="utf-8")
    profile = load_profile(path)
    assert profile.layout == "records" and profile.header_row == 4


def test_draft_recognises_the_counts_layout(tmp_path: Path) -> None:
    sample = write_xlsx(
        tmp_path / "counts.xlsx",
        [["Jul-17", "Lancs", 4, "Referral"]],
        headings=["Month", "Force", "Referrals", "Route"],
        title_rows=["Scheme"],
    )
    text = draft_profile(sample, "scheme", 512 * 2**20)
    assert 'layout = "counts"' in text
    assert (
        'month = "Month"\nforce_area = "Force"\ncontacts = "Referrals"\nchannel = "Route"' in text
    )
    assert "header_row = 2" in text
    assert "[values.force_area]\n\n" in text or text.rstrip().endswith("[values.force_area]")
