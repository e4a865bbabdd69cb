import pandas as pd
import pytest

from flows.core.force_areas import ForceAreaResolver, load_force_areas, region_names


def test_reference_data_has_the_43_force_areas() -> None:
    areas = load_force_areas()
    codes = [area.code for area in areas]
    assert len(areas) == 43
    assert codes[:39] == [f"E230000{n:02d}" for n in range(1, 40)]
    assert codes[39:] == [f"W1500000{n}" for n in range(1, 5)]
    assert len(set(area.name for area in areas)) == 43
    assert len(region_names()) == 10
    north_west = sorted(area.name for area in areas if area.region == "North West")
    assert north_west == ["Cheshire", "Cumbria", "Greater Manchester", "Lancashire", "Merseyside"]


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("E23000003", "E23000003"),
        ("e23000003", "E23000003"),
        ("Lancashire", "E23000003"),
        ("LANCASHIRE CONSTABULARY", "E23000003"),
        ("  lancashire police ", "E23000003"),
        ("GMP", "E23000005"),
        ("Greater Manchester Police", "E23000005"),
        ("Devon and Cornwall Police", "E23000035"),
        ("Devon & Cornwall", "E23000035"),
        ("City of London Police", "E23000034"),
        ("London, City of", "E23000034"),
        ("Metropolitan Police Service", "E23000001"),
        ("dyfed powys", "W15000004"),
        ("Dyfed-Powys Police", "W15000004"),
        ("Avon & Somerset Constabulary", "E23000036"),
    ],
)
def test_spellings_resolve_to_one_code(spelling: str, code: str) -> None:
    assert ForceAreaResolver(load_force_areas()).resolve(spelling) == code


@pytest.mark.parametrize(
    "spelling", ["Lancaster", "", "Police", None, "Scotland", "'; DROP TABLE x"]
)
def test_unknown_spellings_do_not_resolve(spelling: str | None) -> None:
    assert ForceAreaResolver(load_force_areas()).resolve(spelling) is None


def test_profile_mapping_adds_a_partner_spelling() -> None:
    resolver = ForceAreaResolver(load_force_areas(), {"Lancs HQ": "Lancashire"})
    values = pd.Series(["Lancs HQ", "lancs-hq", "Nowhere", None])
    assert resolver.resolve_series(values).tolist() == ["E23000003", "E23000003", None, None]
