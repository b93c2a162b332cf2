from __future__ import annotations

import pytest

from adapters.validation.hospitals import hospital_code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("凱旋醫院", "HOSP_KSPH"),
        ("高雄市立凱旋醫院", "HOSP_KSPH"),
        ("高雄醫學大學附設中和紀念醫院", "HOSP_KMUH"),
        ("高醫", "HOSP_KMUH"),
        ("高雄長庚", "HOSP_CGMH"),
        ("高雄長庚紀念醫院", "HOSP_CGMH"),
        ("長庚醫療財團法人高雄長庚紀念醫院", "HOSP_CGMH"),
        ("國軍高雄總醫院", "HOSP_AFKH"),
        ("衛生福利部旗山醫院", "HOSP_CSH"),
        ("義大醫療財團法人義大醫院", "HOSP_EDAH"),
        ("財團法人台灣省私立高雄仁愛之家附設慈惠醫院", "HOSP_TZHH"),
        ("國軍左營總醫院", "HOSP_AFZY"),
        ("國軍高雄總醫院左營分院", "HOSP_AFZY"),
        (" 高雄 長庚 ", "HOSP_CGMH"),
        ("高雄長庚紀念醫院（精神科）", "HOSP_CGMH"),
    ],
)
def test_partner_hospitals_by_any_of_their_names(name: str, code: str) -> None:
    assert hospital_code(name) == code


@pytest.mark.parametrize(
    "name",
    [
        "林口長庚紀念醫院",  # another 長庚, not ours
        "國軍高雄總醫院岡山分院",  # contains 國軍高雄總醫院 but is another site
        "義大癌治療醫院",
        "高雄市立大同醫院（委託高雄醫學大學附設中和紀念醫院經營）",  # the remark names the operator, not the hospital
        "某某診所",
        "",
        "   ",
    ],
)
def test_any_other_name_goes_to_the_health_bureau(name: str) -> None:
    assert hospital_code(name) == "HEALTH"
