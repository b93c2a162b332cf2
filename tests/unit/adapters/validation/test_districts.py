from __future__ import annotations

import pytest

from adapters.base import FieldError, Place
from adapters.validation import KAOHSIUNG_DISTRICTS, POSTAL_CODES_OUTSIDE_KAOHSIUNG, resolve_place


def test_kaohsiung_has_38_districts_with_distinct_postal_codes() -> None:
    assert len(KAOHSIUNG_DISTRICTS) == 38
    assert len(set(KAOHSIUNG_DISTRICTS.values())) == 38
    assert all(name.endswith("區") for name in KAOHSIUNG_DISTRICTS)


def test_postal_codes_outside_kaohsiung_do_not_overlap_the_city() -> None:
    # 368 codes in all: 365 for the townships (新竹市 and 嘉義市 each share one code among their districts)
    # plus 釣魚臺 290, 東沙 817 and 南沙 819.
    assert len(POSTAL_CODES_OUTSIDE_KAOHSIUNG) == 368 - 38 - 2
    assert not POSTAL_CODES_OUTSIDE_KAOHSIUNG & set(KAOHSIUNG_DISTRICTS.values())
    assert {"817", "819"}.isdisjoint(POSTAL_CODES_OUTSIDE_KAOHSIUNG)
    assert all(len(code) == 3 and code.isdigit() for code in POSTAL_CODES_OUTSIDE_KAOHSIUNG)


@pytest.mark.parametrize(
    ("district", "postal_code"),
    [
        ("鳳山區", "830"), ("前金區", "801"), ("前鎮區", "806"), ("旗山區", "842"), ("左營區", "813"),
        ("那瑪夏區", "849"), ("茂林區", "851"), ("桃源區", "848"), ("新興區", "800"), ("三民區", "807"),
        ("楠梓區", "811"), ("小港區", "812"), ("大社區", "815"), ("岡山區", "820"), ("湖內區", "829"),
        ("鳥松區", "833"), ("大樹區", "840"), ("甲仙區", "847"), ("茄萣區", "852"),
    ],
)  # fmt: skip
def test_district_by_name_or_postal_code(district: str, postal_code: str) -> None:
    expected = Place(postal_code=postal_code, district=district, out_of_area=False)
    assert resolve_place(district) == expected
    assert resolve_place(postal_code) == expected


@pytest.mark.parametrize("text", ["鳳山", "高雄市鳳山區", "高雄市鳳山", " 鳳山區 ", "８３０", " 830\t"])
def test_accepted_spellings(text: str) -> None:
    assert resolve_place(text) == Place("830", "鳳山區")


def test_islands_are_administered_by_cijin() -> None:
    assert resolve_place("817") == Place("817", "旗津區", out_of_area=False)


@pytest.mark.parametrize("code", ["100", "300", "600", "209", "290", "880", "896", "900", "947", "983"])
def test_postal_code_elsewhere_in_taiwan_is_out_of_area(code: str) -> None:
    assert resolve_place(code) == Place(code, None, out_of_area=True)


@pytest.mark.parametrize(
    "text",
    ["999", "809", "000", "101", "83", "8300", "830區", "東區", "屏東市", "台北", "鳳", "區", "Fengshan"],
)
def test_unknown_places_are_refused(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        resolve_place(text)
    assert caught.value.code == "UNKNOWN_DISTRICT"
    assert "郵遞區號" in caught.value.reason


@pytest.mark.parametrize("text", ["", "  "])
def test_empty_is_missing(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        resolve_place(text)
    assert caught.value.code == "MISSING_VALUE"
